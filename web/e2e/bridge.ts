// A bridge for the browser tests: the real `parley proxy`, started on loopback, and what a user does
// to use one in the web app.
import { expect, type Page } from "@playwright/test";
import { spawn, type ChildProcess } from "node:child_process";
import { CLI_JAR } from "./harness";
import { openSettings } from "./ui-steps";

/** A running `parley proxy` and the link it printed. */
export interface Bridge {
  link: string;
  process: ChildProcess;
}

/** Starts `parley proxy` on a free loopback port, relaying to a server without TLS; resolves with the link it prints. */
export async function startBridge(upstreamPort: number, dataDir: string): Promise<Bridge> {
  const child = spawn("java", ["-jar", CLI_JAR, "proxy", "--listen", "127.0.0.1:0", "--to", `http://127.0.0.1:${upstreamPort}`, "--data", dataDir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const link = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`parley proxy printed no link within 60 s:\n${output}`)), 60_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /parley:\/\/bridge\?\S+/.exec(output);
      if (match) {
        clearTimeout(timer);
        ok(match[0]);
      }
    };
    child.stdout!.on("data", read);
    child.stderr!.on("data", read);
    child.once("exit", (code) => fail(new Error(`parley proxy exited with ${code}:\n${output}`)));
  });
  return { link, process: child };
}

/** Pastes a bridge link into Settings' address field and adds it. */
export async function addBridge(page: Page, link: string): Promise<void> {
  await openSettings(page);
  const settings = page.getByRole("region", { name: "Server addresses" });
  await settings.getByLabel("Check an address, or add a bridge link").fill(link);
  await settings.getByRole("button", { name: "Check" }).click();
  await expect(settings.getByRole("status").filter({ hasText: "Added the bridge" })).toBeVisible();
}

