/** Root hook of the boot suite: the timing table once every boot test has run. */
import { printTimings } from "./support/suite";

after(() => printTimings());
