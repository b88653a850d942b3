// A QR code drawn as one SVG path from qrcode-generator's modules: no innerHTML, no inline style.
// Loaded lazily (see Qr below): the generator is not part of the first download.
import qrcode from "qrcode-generator";
import { useMemo } from "preact/hooks";
import { t } from "../i18n";

const QUIET_ZONE = 4; // modules of white border the QR specification asks for

export default function QrCode(props: { text: string; size?: number }) {
  const { path, extent } = useMemo(() => {
    const code = qrcode(0, "M");
    code.addData(props.text, "Byte");
    code.make();
    const count = code.getModuleCount();
    let d = "";
    for (let row = 0; row < count; row++) {
      for (let col = 0; col < count; col++) {
        if (code.isDark(row, col)) d += `M${col + QUIET_ZONE} ${row + QUIET_ZONE}h1v1h-1z`;
      }
    }
    return { path: d, extent: count + 2 * QUIET_ZONE };
  }, [props.text]);
  const size = props.size ?? 220;
  return (
    <svg
      class="qr"
      role="img"
      aria-label={t("qrCodeOf", { text: props.text })}
      viewBox={`0 0 ${extent} ${extent}`}
      width={size}
      height={size}
      shape-rendering="crispEdges"
    >
      <rect width={extent} height={extent} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
