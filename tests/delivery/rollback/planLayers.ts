/** Shared by the rollback planner tests: a dev environment's apps and infra layers, current and at the tag. */
import { apps, infra } from "../fixtures";

export const layers = (
    current: { infra?: ReturnType<typeof infra>; apps?: ReturnType<typeof apps> },
    target: { infra?: ReturnType<typeof infra>; apps?: ReturnType<typeof apps> },
) => [
    { layer: "apps" as const, stack: "dev-apps", current: current.apps, target: target.apps },
    { layer: "infra" as const, stack: "dev-infra", current: current.infra, target: target.infra },
];
