/**
 * Firebase's published modified-scrypt sample (github.com/firebase/scrypt README): one user's
 * hash and salt and the project's hash config, as `auth:export` and the console give them.
 * The password is `user1password`. Shared by every test that needs a real Firebase hash.
 */
export const FIREBASE_SAMPLE = {
  hash: 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==',
  salt: '42xEC+ixf3L2lw==',
  signerKey: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
  saltSeparator: 'Bw==',
  rounds: 8,
  memCost: 14,
} as const;

export const FIREBASE_SAMPLE_PASSWORD = 'user1password';
