package org.parley.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.parley.client.conversations.ConversationEvent;
import org.parley.client.conversations.Conversations;
import org.parley.client.local.v1.StoredMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * {@code parley daemon --jsonrpc}: JSON-RPC 2.0, one request per line on stdin, one response per
 * line on stdout, and {@code receive} notifications pushed as messages arrive, so that bots and
 * other programs can use Parley the way signal-cli is used. Ends when stdin closes, or with an
 * error when another device of the account unlinks this one.
 */
@Command(name = "daemon", mixinStandardHelpOptions = true,
        description = "Serve JSON-RPC 2.0 on stdin/stdout: send, sendFile, createGroup, addMember, removeMember, listGroups,"
                + " listRequests, accept, delete, block, unblock; 'receive' and 'request' notifications.")
final class DaemonCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(DaemonCommand.class);
    /** Tests replace stdin; null means System.in. */
    static InputStream input;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--jsonrpc", required = true, description = "Speak JSON-RPC 2.0 (the only protocol so far).")
    boolean jsonrpc;

    /** A JSON-RPC error: code per the specification (-32600 invalid request, -32601 no method, -32602 bad params, -32000 failure). */
    private static final class RpcError extends RuntimeException {
        final int code;

        RpcError(int code, String message) {
            super(message);
            this.code = code;
        }
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Conversations[] conversations = new Conversations[1];
        Consumer<ConversationEvent> notify = event -> {
            if (event instanceof ConversationEvent.Message && conversations[0] != null) {
                notifyMessages(out, conversations[0]);
            } else if (event instanceof ConversationEvent.RequestReceived && conversations[0] != null) {
                notifyRequests(out, conversations[0]);
            }
        };
        BufferedReader in = new BufferedReader(new InputStreamReader(input == null ? System.in : input, StandardCharsets.UTF_8));
        return Main.profiles(spec).withClient(notify, client -> {
            conversations[0] = client.conversations();
            notifyMessages(out, client.conversations());
            notifyRequests(out, client.conversations());
            BlockingQueue<Optional<String>> requests = readLines(in);
            // Unlinked while running: nothing reaches or leaves this device any more, so the daemon stops.
            client.unlinked().thenRun(() -> requests.add(Optional.empty()));
            try {
                for (Optional<String> line = requests.take(); line.isPresent(); line = requests.take()) {
                    if (!line.get().isBlank()) {
                        write(out, answer(client.conversations(), line.get()));
                        // A request may have made messages shown that no event announces: accepting a
                        // message request releases the messages it held back.
                        notifyMessages(out, client.conversations());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (client.unlinked().isDone()) {
                throw Profiles.unlinked();
            }
            return 0;
        });
    }

    /**
     * Reads stdin on a thread of its own, so that the daemon can also stop without its end: each
     * line, then an empty value at the end of stdin.
     */
    private static BlockingQueue<Optional<String>> readLines(BufferedReader in) {
        BlockingQueue<Optional<String>> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(Optional.of(line));
                }
            } catch (IOException e) {
                log.warn("reading stdin failed: {}", e.getMessage());
            }
            lines.add(Optional.empty());
        }, "parley-daemon-stdin");
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    private static synchronized void write(PrintWriter out, JsonNode node) {
        out.println(node.toString());
        out.flush();
    }

    /** A 'receive' notification for each message not shown yet. */
    private static void notifyMessages(PrintWriter out, Conversations conversations) {
        conversations.takeUnshown().forEach(shown -> write(out, notification("receive", Messages.json(shown))));
    }

    /** A 'request' notification for each message request not announced yet. */
    private static void notifyRequests(PrintWriter out, Conversations conversations) {
        conversations.takeNewRequests().forEach(request -> write(out, notification("request", Messages.json(request))));
    }

    private static ObjectNode notification(String method, ObjectNode params) {
        ObjectNode node = Messages.JSON.createObjectNode();
        node.put("jsonrpc", "2.0");
        node.put("method", method);
        node.set("params", params);
        return node;
    }

    private static JsonNode answer(Conversations conversations, String line) {
        ObjectNode response = Messages.JSON.createObjectNode();
        response.put("jsonrpc", "2.0");
        JsonNode request;
        try {
            request = Messages.JSON.readTree(line);
        } catch (JsonProcessingException e) {
            response.putNull("id");
            return error(response, -32700, "parse error: not JSON");
        }
        response.set("id", request.has("id") ? request.get("id") : Messages.JSON.nullNode());
        try {
            if (!request.isObject() || !"2.0".equals(request.path("jsonrpc").asText()) || !request.path("method").isTextual()) {
                throw new RpcError(-32600, "invalid request: need jsonrpc \"2.0\" and a method");
            }
            response.set("result", call(conversations, request.get("method").asText(), request.path("params")));
            return response;
        } catch (RpcError e) {
            return error(response, e.code, e.getMessage());
        } catch (RuntimeException e) {
            return error(response, -32000, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
    }

    private static ObjectNode error(ObjectNode response, int code, String message) {
        ObjectNode error = response.putObject("error");
        error.put("code", code);
        error.put("message", message);
        return response;
    }

    private static JsonNode call(Conversations conversations, String method, JsonNode params) {
        return switch (method) {
            case "send" -> sent(conversations.sendText(target(conversations, params), text(params, "message")));
            case "sendFile" -> sent(conversations.sendFile(target(conversations, params), Path.of(text(params, "path"))));
            case "createGroup" -> summary(conversations.createGroup(text(params, "name"), list(params, "members")));
            case "addMember" -> {
                conversations.addMember(text(params, "group"), text(params, "member"));
                yield summary(conversations.find(text(params, "group"), false));
            }
            case "removeMember" -> {
                conversations.removeMember(text(params, "group"), text(params, "member"));
                yield summary(conversations.find(text(params, "group"), false));
            }
            case "renameGroup" -> {
                conversations.rename(text(params, "group"), text(params, "name"));
                yield summary(conversations.find(text(params, "name"), false));
            }
            case "promote" -> {
                conversations.promote(text(params, "group"), text(params, "member"));
                yield summary(conversations.find(text(params, "group"), false));
            }
            case "listGroups" -> {
                ArrayNode all = Messages.JSON.createArrayNode();
                conversations.list().forEach(s -> all.add(summary(s)));
                yield all;
            }
            case "listRequests" -> {
                ArrayNode all = Messages.JSON.createArrayNode();
                conversations.requests().forEach(r -> all.add(Messages.json(r)));
                yield all;
            }
            case "accept" -> done(() -> conversations.accept(text(params, "name")));
            case "delete" -> done(() -> conversations.delete(text(params, "name")));
            case "block" -> done(() -> conversations.block(text(params, "username")));
            case "unblock" -> done(() -> conversations.unblock(text(params, "username")));
            default -> throw new RpcError(-32601, "no method '" + method + "'; use send, sendFile, createGroup, addMember,"
                    + " removeMember, renameGroup, promote, listGroups, listRequests, accept, delete, block or unblock");
        };
    }

    /** Runs a change that answers nothing but success: the result is {@code true}. */
    private static JsonNode done(Runnable change) {
        change.run();
        return Messages.JSON.getNodeFactory().booleanNode(true);
    }

    private static byte[] target(Conversations conversations, JsonNode params) {
        if (params.hasNonNull("group")) {
            return conversations.find(text(params, "group"), false).groupId().toByteArray();
        }
        return conversations.direct(text(params, "recipient")).groupId().toByteArray();
    }

    private static String text(JsonNode params, String field) {
        JsonNode value = params.get(field);
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            throw new RpcError(-32602, "params." + field + " must be a non-empty string");
        }
        return value.asText();
    }

    private static List<String> list(JsonNode params, String field) {
        JsonNode value = params.get(field);
        if (value == null || !value.isArray()) {
            throw new RpcError(-32602, "params." + field + " must be an array of usernames");
        }
        List<String> out = new ArrayList<>();
        value.forEach(v -> out.add(v.asText()));
        return out;
    }

    private static ObjectNode sent(StoredMessage message) {
        ObjectNode node = Messages.JSON.createObjectNode();
        node.put("id", HexFormat.of().formatHex(message.getId().toByteArray()));
        node.put("sent_at", message.getSentAt());
        return node;
    }

    private static ObjectNode summary(Conversations.Summary summary) {
        ObjectNode node = Messages.JSON.createObjectNode();
        node.put("name", summary.name());
        node.put("direct", summary.direct());
        ArrayNode members = node.putArray("members");
        summary.members().forEach(members::add);
        ArrayNode admins = node.putArray("admins");
        summary.admins().forEach(admins::add);
        return node;
    }
}
