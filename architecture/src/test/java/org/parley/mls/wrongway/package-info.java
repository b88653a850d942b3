/**
 * Test fixture only: classes that break the layering on purpose, so that the architecture tests
 * show they can fail.
 */
package org.parley.mls.wrongway;
