// Pulumi entry point: `pulumi up -s <env>-<layer>` runs the layer named by the stack's config.
import { program } from "./program";

export = program;
