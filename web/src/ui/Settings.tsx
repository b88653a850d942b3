// Settings: this account's devices (remove), linking another device (type or scan its code, then
// approve after comparing fingerprints), safety numbers of contacts, the language, and the
// server's addresses (the order they are tried, the pinned server key, and what a pasted or scanned
// address or bridge link would do).
import { useEffect, useRef, useState } from "preact/hooks";
import type { DeviceInfo, ParleyApp, PendingLink, ServerAddressInfo } from "../core/api";
import { checkTypedAddress, isBridgeLink } from "../core/net/address";
import { formatDate, t, type MessageKey } from "../i18n";
import { ErrorText } from "./ErrorText";
import { useAction, useFocusOnMount } from "./hooks";
import { LanguageSelect } from "./LanguageSelect";
import { Icon } from "./Icon";

export function Settings(props: { app: ParleyApp; onBack: () => void; onSafety: (username: string) => void }) {
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [contact, setContact] = useState("");
  return (
    <section class="settings" aria-labelledby="settings-title">
      <header class="pane__header">
        <button type="button" class="icon-button back" onClick={props.onBack} aria-label={t("back")} title={t("back")}>
          <Icon name="back" />
        </button>
        <h2 id="settings-title" tabIndex={-1} ref={heading}>
          {t("settingsTitle")}
        </h2>
      </header>
      <div class="settings__body">
        <p>{t("signedInAs", { name: props.app.username ?? "", server: props.app.serverUrl })}</p>
        <LanguageSelect />
        <Devices app={props.app} />
        <LinkDevice app={props.app} />
        <ServerAddresses app={props.app} />
        <section aria-labelledby="safety-title">
          <h3 id="safety-title">{t("safetyTitle")}</h3>
          <p>{t("safetyIntro")}</p>
          <form
            class="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (contact) props.onSafety(contact);
            }}
          >
            <div class="field">
              <label for="safety-contact">{t("contact")}</label>
              <input id="safety-contact" required autocapitalize="none" spellcheck={false} value={contact} onInput={(e) => setContact(e.currentTarget.value.trim())} />
            </div>
            <button type="submit">{t("show")}</button>
          </form>
        </section>
      </div>
    </section>
  );
}

function Devices(props: { app: ParleyApp }) {
  const [devices, setDevices] = useState<DeviceInfo[]>();
  const { run, busy, error } = useAction();
  const reload = () => run(async () => setDevices(await props.app.devices()));
  useEffect(() => void reload(), []);
  return (
    <section aria-labelledby="devices-title">
      <h3 id="devices-title">{t("devices")}</h3>
      {devices === undefined && !error && <p class="muted">{t("loading")}</p>}
      {devices && (
        <ul class="devices" data-testid="devices">
          {devices.map((d) => (
            <li key={d.id} class="device">
              <span>
                <code>{shortId(d.id)}</code>
                {d.current && <span class="tag">{t("thisDevice")}</span>}
                {d.createdAt !== undefined && <span class="muted"> {t("deviceAdded", { date: formatDate(d.createdAt) })}</span>}
              </span>
              {!d.current && (
                <button
                  type="button"
                  class="danger"
                  disabled={busy}
                  onClick={() => {
                    if (!confirm(t("removeDeviceConfirm", { id: shortId(d.id) }))) return;
                    void run(async () => {
                      await props.app.removeDevice(d.id);
                      setDevices(await props.app.devices());
                    });
                  }}
                >
                  {t("removeDevice", { id: shortId(d.id) })}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <ErrorText error={error} />
    </section>
  );
}

function shortId(id: string): string {
  return id.slice(0, 8);
}

function LinkDevice(props: { app: ParleyApp }) {
  const [code, setCode] = useState("");
  const [pending, setPending] = useState<PendingLink>();
  const [approved, setApproved] = useState(false);
  const { run, busy, error } = useAction();
  const inspect = (value: string) =>
    run(async () => {
      setApproved(false);
      setPending(await props.app.inspectLink(value));
    });
  return (
    <section aria-labelledby="link-title">
      <h3 id="link-title">{t("linkDevice")}</h3>
      <p>{t("linkDeviceIntro")}</p>
      <CheckForm
        id="link-code-input"
        label="enterCode"
        value={code}
        busy={busy}
        onInput={(value) => {
          setCode(value);
          setPending(undefined);
        }}
        onCheck={(value) => void inspect(value)}
      />
      <ScanButton
        explainUnsupported
        onCode={(value) => {
          setCode(value);
          void inspect(value);
        }}
      />
      {pending && !approved && (
        <div class="link-compare" role="region" aria-label={t("fingerprint")}>
          <p>{t("linkCompare", { name: pending.username })}</p>
          <p>
            <code class="code" data-testid="pending-fingerprint">
              {pending.fingerprint}
            </code>
          </p>
          <button
            type="button"
            class="primary"
            disabled={busy}
            onClick={() =>
              void run(async () => {
                await props.app.approveLink(code);
                setApproved(true);
                setCode("");
              })
            }
          >
            {t("approve")}
          </button>
        </div>
      )}
      {approved && <p role="status">{t("linkApproved")}</p>}
      <ErrorText error={error} />
    </section>
  );
}

const UNUSABLE = {
  plain: "addressPlain",
  malformed: "addressMalformed",
} as const satisfies Record<NonNullable<ServerAddressInfo["unusable"]>, string>;

const SOURCE = {
  registered: "addressRegistered",
  added: "addressAdded",
  announced: "addressAnnounced",
} as const satisfies Record<ServerAddressInfo["source"], string>;

/**
 * The addresses in the order they are tried, the pinned key, and a field for a pasted or scanned
 * address: a bridge link is added to the list (and tried at once when the server cannot be
 * reached), an address already in the list says so, any other is refused with why.
 */
function ServerAddresses(props: { app: ParleyApp }) {
  const servers = props.app.servers();
  const [typed, setTyped] = useState("");
  const [status, setStatus] = useState<string>();
  const [, setVersion] = useState(0);
  const { run, error } = useAction();
  if (!servers) return null;
  const usable = servers.addresses.filter((a) => !a.unusable && !a.bridge).map((a) => a.address);
  const check = (value: string) =>
    run(async () => {
      setStatus(undefined);
      const address = checkTypedAddress(value, usable);
      if (isBridgeLink(address) && !servers.addresses.some((a) => a.address === address)) {
        await props.app.addBridge(address);
        setTyped("");
        setStatus(t("bridgeAdded", { address }));
      } else {
        setStatus(t("addressInList", { address }));
      }
      setVersion((v) => v + 1);
    });
  const remove = (address: string) =>
    run(async () => {
      await props.app.removeBridge(address);
      setStatus(undefined);
      setVersion((v) => v + 1);
    });
  return (
    <section aria-labelledby="servers-title">
      <h3 id="servers-title">{t("serverAddresses")}</h3>
      <p>{t("serverAddressesIntro")}</p>
      <ol class="devices" data-testid="server-addresses">
        {servers.addresses.map((a) => (
          <li key={a.address} class="device">
            <span>
              <code>{a.address}</code> <span class="muted">{t(SOURCE[a.source])}</span>
              {a.bridge && <span class="tag">{t("addressBridge")}</span>}
              {a.lastWorking && <span class="tag">{t("addressWorkedLast")}</span>}
              {a.unusable && <span class="muted"> {t(UNUSABLE[a.unusable])}</span>}
              {a.failedLast && <span class="muted"> {t(a.bridge ? "bridgeFailedLast" : "addressFailedLast")}</span>}
            </span>
            {a.source === "added" && (
              <button type="button" onClick={() => void remove(a.address)}>
                {t("removeBridge")}
              </button>
            )}
          </li>
        ))}
      </ol>
      <p data-testid="server-key">{servers.serverKey ? t("serverKeyPinned", { key: servers.serverKey }) : t("serverKeyNotPinned")}</p>
      <CheckForm id="server-address-input" label="addressOrBridge" value={typed} onInput={setTyped} onCheck={(value) => void check(value)} />
      <ScanButton
        onCode={(value) => {
          setTyped(value);
          void check(value);
        }}
      />
      {status && <p role="status">{status}</p>}
      <ErrorText error={error} />
    </section>
  );
}

// BarcodeDetector (Shape Detection API) is not in TypeScript's DOM library yet.
interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<DetectedBarcode[]>;
}
type BarcodeDetectorConstructor = new (options: { formats: string[] }) => BarcodeDetectorLike;

function barcodeDetector(): BarcodeDetectorConstructor | undefined {
  return (globalThis as { BarcodeDetector?: BarcodeDetectorConstructor }).BarcodeDetector;
}

function canScan(): boolean {
  return barcodeDetector() !== undefined && !!navigator.mediaDevices?.getUserMedia;
}

/** One field and a "Check" button, which checks what was typed (the field trims spaces at its ends). */
function CheckForm(props: { id: string; label: MessageKey; value: string; busy?: boolean; onInput: (value: string) => void; onCheck: (value: string) => void }) {
  return (
    <form
      class="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        props.onCheck(props.value);
      }}
    >
      <div class="field">
        <label for={props.id}>{t(props.label)}</label>
        <input
          id={props.id}
          required
          autocomplete="off"
          autocapitalize="none"
          spellcheck={false}
          value={props.value}
          onInput={(e) => props.onInput(e.currentTarget.value.trim())}
        />
      </div>
      <button type="submit" disabled={props.busy}>
        {t("check")}
      </button>
    </form>
  );
}

/** A button that opens the camera until a QR code is read (nothing, or why not, where the browser cannot scan). */
function ScanButton(props: { onCode: (code: string) => void; explainUnsupported?: boolean }) {
  const [scanning, setScanning] = useState(false);
  if (!canScan()) return props.explainUnsupported ? <p class="hint">{t("scanUnsupported")}</p> : null;
  if (!scanning) {
    return (
      <button type="button" onClick={() => setScanning(true)}>
        {t("scanCode")}
      </button>
    );
  }
  return (
    <Scanner
      onCode={(value) => {
        setScanning(false);
        props.onCode(value);
      }}
      onStop={() => setScanning(false)}
    />
  );
}

/** The camera, read a few times a second until a QR code is seen. */
function Scanner(props: { onCode: (code: string) => void; onStop: () => void }) {
  const video = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState<string>();
  useEffect(() => {
    let stream: MediaStream | undefined;
    let timer: ReturnType<typeof setInterval> | undefined;
    let live = true;
    const Detector = barcodeDetector()!;
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" } })
      .then(async (media) => {
        stream = media;
        if (!live) return;
        video.current!.srcObject = media;
        await video.current!.play();
        const detector = new Detector({ formats: ["qr_code"] });
        timer = setInterval(async () => {
          const found = await detector.detect(video.current!).catch(() => []);
          if (found[0]?.rawValue && live) props.onCode(found[0].rawValue);
        }, 300);
      })
      .catch((e: unknown) => {
        console.warn("[parley] the camera could not scan", e);
        if (live) setError(t("scanFailed"));
      });
    return () => {
      live = false;
      clearInterval(timer);
      stream?.getTracks().forEach((track) => track.stop());
    };
  }, []);
  return (
    <div class="scanner">
      <video ref={video} muted playsInline aria-label={t("scanCode")} />
      <ErrorText error={error} />
      <button type="button" onClick={props.onStop}>
        {t("stopScan")}
      </button>
    </div>
  );
}
