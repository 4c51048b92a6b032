/** Every PromQL expression the platform ships: rules of both layers and every dashboard panel. */
import { AIRFLOW_DASHBOARD } from "../../apps/airflow/monitoring";
import { streamDashboard, todoDashboard } from "../../apps/monitoring/dashboards";
import { airflowRules, streamRules, todoRules } from "../../apps/monitoring/rules";
import { NAMESPACES } from "../../apps";
import { kafkaDashboardModel } from "../../cluster/values/kafka";
import { platformRuleGroups } from "../../cluster/values/platformRules";
import { dashboardExpressions } from "../../lib/monitoring/dashboard";
import { type RuleGroup, ruleExpressions } from "../../lib/monitoring/rules";

const KAFKA = { namespace: "kafka", clusterName: "platform" } as const;

export function allRuleGroups(): RuleGroup[] {
    return [
        ...todoRules(NAMESPACES.todo),
        ...streamRules(NAMESPACES.stream),
        ...airflowRules(NAMESPACES.airflow),
        ...platformRuleGroups({
            kafkaNamespace: KAFKA.namespace,
            etcd: true,
            etcdSnapshotMaxAgeHours: 13,
            backupMaxAgeHours: 36,
            adminCertNotAfter: 1_900_000_000,
        }),
    ];
}

export function allExpressions(): { where: string; expr: string }[] {
    return [
        ...ruleExpressions(allRuleGroups()),
        ...dashboardExpressions(todoDashboard(NAMESPACES.todo)),
        ...dashboardExpressions(streamDashboard(NAMESPACES.stream)),
        ...dashboardExpressions(AIRFLOW_DASHBOARD),
        ...dashboardExpressions(kafkaDashboardModel(KAFKA)),
    ];
}
