package org.parley.server.keys;

import com.google.protobuf.ByteString;

import org.parley.server.accounts.DeviceId;

/**
 * A key package handed out by a claim, for one device of the target account.
 *
 * @param lastResort true when the device had no regular package left and this is its
 *     last-resort package (which stays stored and may be handed out again)
 */
public record ClaimedKeyPackage(DeviceId device, ByteString keyPackage, boolean lastResort) {
}
