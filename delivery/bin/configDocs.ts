/** npm run config-docs: writes docs/config.md from the layers' config readers. */
import * as fs from "fs";
import * as path from "path";
import { CONFIG_DOCS_FILE, generateConfigDocs } from "../configDocs/generate";

const file = path.join(__dirname, "..", "..", CONFIG_DOCS_FILE);
fs.writeFileSync(file, generateConfigDocs());
console.log(`wrote ${CONFIG_DOCS_FILE}`);
