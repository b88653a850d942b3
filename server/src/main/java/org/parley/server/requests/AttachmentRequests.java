package org.parley.server.requests;

import org.parley.protocol.v1.AttachmentTicket;
import org.parley.protocol.v1.ClientFrame;
import org.parley.protocol.v1.ServerFrame;
import org.parley.server.accounts.AccountId;
import org.parley.server.http.UploadTicketStore;
import org.parley.server.ratelimit.DailyAllowance;
import org.parley.server.session.RequestFailure;
import org.parley.server.session.RequestHandler;
import org.parley.server.session.Session;

import java.util.Map;

/**
 * Hands a signed-in device a single-use ticket for one HTTP attachment upload, within its
 * account's open tickets and daily quota (in memory on a single node, in PostgreSQL when nodes
 * share it, so that they count across nodes). The ticket offers at most what
 * is left of the quota.
 */
public final class AttachmentRequests {
    private final UploadTicketStore tickets;
    private final DailyAllowance<AccountId> quota;
    private final long maxBytes;

    public AttachmentRequests(UploadTicketStore tickets, DailyAllowance<AccountId> quota, long maxBytes) {
        this.tickets = tickets;
        this.quota = quota;
        this.maxBytes = maxBytes;
    }

    public void addTo(Map<ClientFrame.BodyCase, RequestHandler> handlers) {
        handlers.put(ClientFrame.BodyCase.REQUEST_ATTACHMENT_UPLOAD, this::issue);
    }

    private void issue(Session session, ClientFrame frame) {
        AccountId account = session.signedIn().account();
        long left = quota.remaining(account);
        if (left <= 0) {
            throw RequestFailure.rateLimited("your account has used its attachment quota of " + quota.perDay() / (1024 * 1024)
                    + " MiB for today (UTC); uploads open again at midnight UTC", quota.untilReset());
        }
        UploadTicketStore.Issued issued = tickets.issue(account);
        if (issued.ticket().isEmpty()) {
            throw RequestFailure.rateLimited("your account holds too many unfinished attachment uploads; finish one, or wait "
                    + Math.max(1, issued.retryAfter().toSeconds()) + " s for an unused ticket to expire", issued.retryAfter());
        }
        UploadTicketStore.Ticket ticket = issued.ticket().get();
        session.reply(frame.getRequestId(), ServerFrame.newBuilder().setAttachmentTicket(AttachmentTicket.newBuilder()
                .setTicket(ticket.value()).setMaxBytes(Math.min(maxBytes, left)).setExpiresAt(ticket.expires().toEpochMilli())));
    }
}
