// Node gives the tests WebCrypto; the browser APIs it lacks come from well-kept libraries:
// IndexedDB from fake-indexeddb, WebSocket from ws (Node 20 has no global WebSocket).
import "fake-indexeddb/auto";
import { WebSocket as NodeWebSocket } from "ws";

if (typeof globalThis.WebSocket === "undefined") {
  (globalThis as unknown as { WebSocket: unknown }).WebSocket = NodeWebSocket;
}
