/** The part of s3rver's API the backup tests use (the package ships no types). */
declare module "s3rver" {
    interface S3rverOptions {
        address?: string;
        port?: number;
        silent?: boolean;
        directory?: string;
        resetOnClose?: boolean;
        configureBuckets?: { name: string; configs: (string | Buffer)[] }[];
    }
    /** An S3 event notification, as s3rver emits one per object created or removed. */
    export interface S3Event {
        Records: { eventName: string; s3: { object: { key: string } } }[];
    }
    export default class S3rver {
        on(event: "event", listener: (e: S3Event) => void): this;
        off(event: "event", listener: (e: S3Event) => void): this;
        constructor(options: S3rverOptions);
        run(): Promise<unknown>;
        close(): Promise<void>;
    }
}
