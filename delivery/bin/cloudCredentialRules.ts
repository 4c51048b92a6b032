/**
 * Prints the cloud controllers' API access rules as the JSON `openstack application credential
 * create --access-rules` takes, for a credential made outside `up` (docs/delivery.md).
 */
import { CLOUD_CONTROLLER_ACCESS_RULES } from "../../infra/cloudCredential";

process.stdout.write(`${JSON.stringify(CLOUD_CONTROLLER_ACCESS_RULES)}\n`);
