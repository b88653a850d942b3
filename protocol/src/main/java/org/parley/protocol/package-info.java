/**
 * Hand-written companions of the client-server protocol that both ends share: the signed
 * authentication payload, the device link code, the content a commit's epoch key signs and the
 * agreed size limits. The messages themselves are generated into {@code org.parley.protocol.v1}.
 */
package org.parley.protocol;
