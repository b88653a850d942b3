/**
 * This device's MLS key packages (RFC 9420 section 10): made, kept by KeyPackageRef until a
 * Welcome uses them, published and topped up; other accounts' packages claimed and validated; and
 * the member credential (username, account and device ids in a BasicCredential, section 5.3).
 */
package org.parley.client.keys;
