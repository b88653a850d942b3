/**
 * Trust in other people's keys: the identity keys seen per contact (trust on first use, a change
 * flagged loudly until verified again) and the 60-digit safety number two people compare.
 */
package org.parley.client.safety;
