/**
 * A pod annotation carrying a file's checksum. Charts that mount a Secret or ConfigMap they do not
 * make never restart their pods when it changes; the checksum on the pod template does. The
 * checksum of a credential-bearing file reveals nothing usable.
 */
import { createHash } from "node:crypto";

export function checksumAnnotation(name: string, content: string): Record<string, string> {
    return { [`checksum/${name}`]: createHash("sha256").update(content).digest("hex") };
}
