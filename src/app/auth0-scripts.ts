export { auth0CustomDatabaseScripts } from '../gateway/lazy/auth0-custom-database.js';
