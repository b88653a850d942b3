/**
 * KeyPackages (RFC 9420 Section 10): the structure a member publishes so that others can add
 * it, and its validation (10.1).
 */
package org.parley.mls.keypackages;
