/**
 * Before the apps layer is applied: every own image it would run must resolve in its registry.
 * Otherwise the Deployments sit in ImagePullBackOff until their wait times out, and everything
 * ordered after them (monitoring objects, NetworkPolicies) is never created. The references and
 * the pull credential come from the apps stack's config exactly as the program reads them
 * (apps/images.ts); the lookups go through the registry client (registry.ts).
 */
import { ConfigReader, ConfigLookup } from "../../../lib/config/reader";
import { ownImageReader, readImageRegistry, registryHost, RegistryCredential } from "../../../apps/images";
import { OWN_IMAGES, OwnImageKey, Repository } from "../../../apps/repository";
import type { StackConfig } from "../../synth/stackConfig";
import type { PreApplyCheck } from "./preApply";
import { lookupManifest, LookupOptions, ManifestLookup, missingImageLines } from "../../release/registry";

export interface OwnImages {
    readonly images: string[];
    readonly credential?: RegistryCredential;
}

/**
 * The own image references and pull credential of one apps stack's config. `secret` returns the
 * decrypted value of a `secure:` key (the CLI's `pulumi config get`), asked only for the token.
 */
export async function ownImagesOf(
    config: StackConfig,
    project: string,
    repository: Repository | undefined,
    secret: (key: string) => Promise<string | undefined>,
): Promise<OwnImages> {
    const token = config[`${project}:imageRegistryToken`]?.secure ? await secret(`${project}:imageRegistryToken`) : undefined;
    const get = (key: string): string | undefined => (key === "imageRegistryToken" ? token : config[`${project}:${key}`]?.value);
    const lookup: ConfigLookup = Object.assign(get, { isSecret: (key: string) => config[`${project}:${key}`]?.secure ?? false });
    // Config problems are the program's to report (its preview already ran); here only the values count.
    const r = new ConfigReader(project, lookup, "image check");
    const registry = readImageRegistry(r, repository);
    const image = ownImageReader(r, repository, registry.path);
    const images = [...new Set((Object.keys(OWN_IMAGES) as OwnImageKey[]).map(image).filter((i) => i !== ""))];
    return { images, ...(registry.credential ? { credential: registry.credential } : {}) };
}

export interface ImageCheckDeps {
    /** The own images of an apps stack. */
    readonly ownImages: (stack: string) => Promise<OwnImages>;
    readonly lookup?: (image: string, opts: LookupOptions) => Promise<ManifestLookup>;
    /** `http` for loopback registries in tests. */
    readonly scheme?: "https" | "http";
}

/** The pre-apply check: refuses the apps layer with each own image that does not resolve named. */
export function ownImagesCheck(deps: ImageCheckDeps): PreApplyCheck {
    const lookup = deps.lookup ?? lookupManifest;
    return async (layer) => {
        if (layer.layer !== "apps") return [];
        const { images, credential } = await deps.ownImages(layer.stack);
        const results = await Promise.all(
            images.map(async (image) => {
                const login =
                    credential && registryHost(image) === credential.server
                        ? { username: credential.username, password: credential.password }
                        : undefined;
                return { image, result: await lookup(image, { login, scheme: deps.scheme }) };
            }),
        );
        return missingImageLines(results);
    };
}
