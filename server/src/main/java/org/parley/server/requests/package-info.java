/**
 * The request handlers: one class per group of ClientFrame bodies (accounts and devices, key
 * packages, messages and commits, attachments, calls), each validating the frame, calling the
 * capabilities and answering through the session. They are registered by body type and run on the
 * connection's serial executor.
 */
package org.parley.server.requests;
