/**
 * The KeyPackage directory (RFC 9420 Section 10; RFC 9750 Section 5.2): opaque MLS KeyPackages
 * that devices upload and others claim, each regular one at most once, plus one last-resort
 * package per device. The server never parses them. {@link org.parley.server.keys.KeyPackageStore}
 * and its SQL adapter {@link org.parley.server.keys.JdbcKeyPackageStore}.
 */
package org.parley.server.keys;
