/**
 * This device's MLS key packages (RFC 9420 section 10): made, kept by KeyPackageRef until a
 * Welcome uses them, published and topped up; other accounts' packages claimed, validated and kept
 * only when their account key certifies them; the member credential (username, account and device
 * ids, account key and device certificate in a BasicCredential, section 5.3); and the group policy
 * that checks those certificates for every member (section 5.3.1).
 */
package org.parley.client.keys;
