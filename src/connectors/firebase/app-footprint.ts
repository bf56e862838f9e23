import type { AppFootprint } from '../../protocol/app-footprint.js';

/** Firebase Auth's footprint: the modular web SDK's auth entry, the Admin SDK's, and auth hooks. */
export const firebaseAppFootprint: AppFootprint = {
  vendor: 'firebase',
  displayName: 'Firebase Auth',
  modules: ['firebase/auth', 'firebase/compat/auth', '@firebase/auth', 'firebase-admin/auth', 'react-firebase-hooks/auth'],
  symbols: {
    getAuth: 'client',
    initializeAuth: 'client',
    onAuthStateChanged: 'client',
    onIdTokenChanged: 'client',
    signInWithEmailAndPassword: 'client',
    createUserWithEmailAndPassword: 'client',
    signInWithPopup: 'client',
    signInWithRedirect: 'client',
    getRedirectResult: 'client',
    signInWithCustomToken: 'client',
    signInWithPhoneNumber: 'client',
    signInAnonymously: 'client',
    signOut: 'client',
    sendPasswordResetEmail: 'client',
    sendEmailVerification: 'client',
    updateProfile: 'client',
    GoogleAuthProvider: 'client',
    GithubAuthProvider: 'client',
    FacebookAuthProvider: 'client',
    OAuthProvider: 'client',
    RecaptchaVerifier: 'client',
    connectAuthEmulator: 'client',
    User: 'type',
    UserCredential: 'type',
    DecodedIdToken: 'type',
  },
  moduleSymbols: {
    // The Admin SDK runs on the server: its getAuth() verifies ID tokens and manages users.
    'firebase-admin/auth': { getAuth: 'serverHelper' },
  },
  webhookMarkers: [
    { module: 'firebase-functions/v2/identity', names: ['beforeUserCreated', 'beforeUserSignedIn', 'beforeEmailSent', 'beforeSmsSent'] },
    { module: 'firebase-functions/identity', names: ['beforeUserCreated', 'beforeUserSignedIn'] },
  ],
  envVarMarkers: ['FIREBASE_', 'GOOGLE_APPLICATION_CREDENTIALS'],
};
