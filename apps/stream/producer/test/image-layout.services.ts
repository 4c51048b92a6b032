/** The compiled producer, laid out as in its image (no Docker engine here): entry point and HEALTHCHECK script. */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describeImageLayout } from "../../common/test/support/image-layout.js";

describeImageLayout("producer", resolve(dirname(fileURLToPath(import.meta.url)), ".."));
