/**
 * Extensions (RFC 9420 Sections 7.2, 11 and 13): the generic {@code Extension}, capabilities,
 * and typed views of application_id, required_capabilities, external_pub and external_senders
 * (the tree package decodes ratchet_tree). Unknown types survive untouched.
 */
package org.parley.mls.extensions;
