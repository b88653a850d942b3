package org.parley.server.requests;

import org.parley.protocol.v1.AttachmentTicket;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.http.UploadTickets;
import org.parley.server.session.RequestHandler;
import org.parley.server.session.Session;

import java.util.Map;

/** Hands a signed-in device a single-use ticket for one HTTP attachment upload. */
public final class AttachmentRequests {
    private final UploadTickets tickets;
    private final long maxBytes;

    public AttachmentRequests(UploadTickets tickets, long maxBytes) {
        this.tickets = tickets;
        this.maxBytes = maxBytes;
    }

    public void addTo(Map<ClientFrame.BodyCase, RequestHandler> handlers) {
        handlers.put(ClientFrame.BodyCase.REQUEST_ATTACHMENT_UPLOAD, this::issue);
    }

    private void issue(Session session, ClientFrame frame) {
        UploadTickets.Ticket ticket = tickets.issue();
        session.reply(frame.getRequestId(), ServerFrame.newBuilder().setAttachmentTicket(AttachmentTicket.newBuilder()
                .setTicket(ticket.value()).setMaxBytes(maxBytes).setExpiresAt(ticket.expires().toEpochMilli())));
    }
}
