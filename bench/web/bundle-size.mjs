// JavaScript shipped, gzipped: every .js file of web/dist (build it first: cd web && npm run build),
// compressed with gzip level 9 as a server would pre-compress static files; the files the start
// page loads (index.html's scripts and modulepreloads) apart from those loaded later on demand.
//   node bench/web/bundle-size.mjs
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { WEB, machine } from "./common.mjs";

const dist = join(WEB, "dist");
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith(".js")) files.push(path);
  }
})(dist);
if (files.length === 0) throw new Error(`no JavaScript in ${dist}: cd web && npm run build`);

const html = readFileSync(join(dist, "index.html"), "utf8");
const startPage = new Set([...html.matchAll(/(?:src|href)="\/?([^"]+\.js)"/g)].map((m) => m[1]));
const rows = files
  .map((path) => {
    const bytes = readFileSync(path);
    const name = relative(dist, path);
    return { name, bytes: bytes.length, gzipped: gzipSync(bytes, { level: 9 }).length, startPage: startPage.has(name) };
  })
  .sort((a, b) => b.gzipped - a.gzipped);

const sum = (list, key) => list.reduce((n, row) => n + row[key], 0);
const kib = (bytes) => +(bytes / 1024).toFixed(1);
for (const row of rows) console.log(`${String(kib(row.gzipped)).padStart(8)} KiB gz ${String(kib(row.bytes)).padStart(8)} KiB  ${row.startPage ? "start" : "later"}  ${row.name}`);
console.log(
  JSON.stringify({
    bench: "web-bundle",
    files: rows.length,
    totalKiB: kib(sum(rows, "bytes")),
    totalGzipKiB: kib(sum(rows, "gzipped")),
    startPageGzipKiB: kib(sum(rows.filter((r) => r.startPage), "gzipped")),
    machine: machine(),
  }),
);
