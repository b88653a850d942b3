/**
 * The web app (the {@code parley-web} jar built from {@code web/}) served at {@code /} from the
 * class path: files loaded once into memory, looked up by exact name (so no path reaches the file
 * system), every answer with a strict Content-Security-Policy and the other browser hardening
 * headers, hashed assets cached as immutable and the rest revalidated by ETag, text gzipped for browsers
 * that accept it. A server built
 * without Node.js has no app and says so at {@code /}.
 */
package org.parley.server.web;
