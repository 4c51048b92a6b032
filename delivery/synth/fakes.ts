/**
 * What the synth's mock providers answer: for each resource type, the outputs a real provider
 * would compute (ids, addresses, generated secrets), as deterministic placeholders derived from
 * the resource name. Generated secrets look like `synth-placeholder-...`, so synth output can be
 * searched for anything that is not a placeholder.
 */
import { createHash } from "crypto";

export interface FakeArgs {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, any>;
}

export type Fake = (args: FakeArgs) => Record<string, unknown>;

/** Stable small number from a string, for fake addresses. */
function byteOf(text: string, salt: string): number {
    return createHash("sha256").update(`${salt}:${text}`).digest()[0];
}

/** A fake floating/public address from TEST-NET-2 (198.51.100.0/24, RFC 5737). */
export function fakePublicIp(name: string): string {
    return `198.51.100.${1 + (byteOf(name, "public") % 250)}`;
}

/** A fake fixed address in 10.0.0.0/16; two hash bytes keep the addresses of one stack apart. */
export function fakePrivateIp(name: string): string {
    return `10.0.${byteOf(name, "private-high")}.${10 + (byteOf(name, "private") % 240)}`;
}

export function placeholder(kind: string, name: string): string {
    return `synth-placeholder-${kind}-${name}`;
}

function pem(kind: string, name: string): string {
    const body = Buffer.from(placeholder(kind.toLowerCase().replace(/ /g, "-"), name)).toString("base64");
    return `-----BEGIN ${kind}-----\n${body}\n-----END ${kind}-----\n`;
}

const fakes: Record<string, Fake> = {
    "random:index/randomPassword:RandomPassword": ({ name }) => ({
        result: placeholder("password", name),
        bcryptHash: placeholder("bcrypt", name),
    }),
    "random:index/randomString:RandomString": ({ name }) => ({ result: placeholder("string", name) }),
    "random:index/randomBytes:RandomBytes": ({ name }) => ({
        base64: Buffer.from(placeholder("bytes", name)).toString("base64"),
        hex: Buffer.from(placeholder("bytes", name)).toString("hex"),
    }),
    "random:index/randomId:RandomId": ({ name }) => ({
        hex: createHash("sha256").update(name).digest("hex").slice(0, 16),
        b64Url: placeholder("id", name),
        b64Std: placeholder("id", name),
        dec: "0",
    }),
    "tls:index/privateKey:PrivateKey": ({ name }) => ({
        privateKeyPem: pem("PRIVATE KEY", name),
        privateKeyOpenssh: pem("OPENSSH PRIVATE KEY", name),
        publicKeyPem: pem("PUBLIC KEY", name),
        publicKeyOpenssh: `ssh-ed25519 ${Buffer.from(placeholder("ssh", name)).toString("base64")}`,
    }),
    "tls:index/selfSignedCert:SelfSignedCert": ({ name }) => ({ certPem: pem("CERTIFICATE", name) }),
    "tls:index/locallySignedCert:LocallySignedCert": ({ name, inputs }) => ({
        certPem: pem("CERTIFICATE", name),
        // A fixed start keeps the synth deterministic.
        validityStartTime: "2026-01-01T00:00:00Z",
        validityEndTime: new Date(Date.parse("2026-01-01T00:00:00Z") + Number(inputs.validityPeriodHours ?? 0) * 3600_000)
            .toISOString()
            .replace(/\.000Z$/, "Z"),
    }),
    "tls:index/certRequest:CertRequest": ({ name }) => ({ certRequestPem: pem("CERTIFICATE REQUEST", name) }),
    "openstack:compute/instance:Instance": ({ name }) => ({
        accessIpV4: fakePrivateIp(name),
        allMetadata: {},
    }),
    "openstack:networking/floatingIp:FloatingIp": ({ name }) => ({ address: fakePublicIp(name) }),
    "openstack:networking/port:Port": ({ name }) => ({
        allFixedIps: [fakePrivateIp(name)],
        macAddress: "fa:16:3e:00:00:01",
    }),
    "openstack:identity/applicationCredential:ApplicationCredential": ({ name }) => ({
        secret: placeholder("app-credential", name),
        projectId: "synth-project-id",
    }),
    "openstack:identity/ec2CredentialV3:Ec2CredentialV3": ({ name }) => ({
        access: placeholder("ec2-access", name),
        secret: placeholder("ec2-secret", name),
    }),
    "openstack:blockstorage/volume:Volume": () => ({ attachments: [] }),
    "command:local:Command": () => ({ stdout: "", stderr: "" }),
};

/** Outputs for a resource: its inputs plus whatever the fake for its type computes. */
export function fakeState(args: FakeArgs): Record<string, unknown> {
    const extra = fakes[args.type]?.(args) ?? {};
    return { ...args.inputs, ...extra };
}

/** Results of provider functions (invokes) used by the layers. */
export function fakeInvoke(token: string, inputs: Record<string, any>): Record<string, unknown> {
    switch (token) {
        case "openstack:networking/getNetwork:getNetwork":
            return { ...inputs, id: `synth-network-${inputs.name ?? "unnamed"}`, subnets: [`synth-subnet-${inputs.name}`] };
        case "openstack:networking/getSubnet:getSubnet":
            return { ...inputs, id: `synth-subnet-${inputs.name ?? inputs.networkId}`, cidr: "10.0.0.0/24" };
        case "openstack:identity/getAuthScope:getAuthScope":
            return { ...inputs, projectId: "synth-project-id", userId: "synth-user-id", region: "RegionOne" };
        default:
            return inputs;
    }
}
