/**
 * Trust in other people's keys: the account key pinned per contact (trust on first use; a change
 * flagged loudly, and blocking sends to a contact that was verified until the person verifies or
 * trusts the new key) and the 60-digit safety number two people compare.
 */
package org.parley.client.safety;
