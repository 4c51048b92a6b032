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
    export default class S3rver {
        constructor(options: S3rverOptions);
        run(): Promise<unknown>;
        close(): Promise<void>;
    }
}
