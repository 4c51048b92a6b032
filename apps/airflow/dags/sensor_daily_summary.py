"""Daily sensor summary: a small, real pipeline that exercises the platform's executor setup.

extract -> validate -> summarise (per sensor, in parallel) -> report

* Every task runs in its own pod (KubernetesExecutor); completed pods are deleted.
* Tasks retry on failure (``default_args``): ``extract`` fails on purpose on its first try
  when ``simulate_flaky_source`` is set in the run conf, to show a retry in the UI.
* Per-task resources: ``summarise`` asks for more memory than the namespace default through
  ``executor_config`` / ``pod_override``; all others use the defaults of the pod template.

The readings are generated deterministically from the run's logical date (the seeds' sensors
A, B and C), so the DAG needs no external system and its results can be checked by hand.
"""

from __future__ import annotations

import random
import statistics
from datetime import datetime, timedelta

from airflow.sdk import dag, get_current_context, task
from kubernetes.client import models as k8s

SENSORS = ("A", "B", "C")
READINGS_PER_SENSOR = 288  # one every five minutes
PLAUSIBLE_RANGE = (-40.0, 125.0)


def resources(cpu: str, memory: str, cpu_limit: str, memory_limit: str) -> dict:
    """executor_config that overrides the task pod's requests and limits."""
    return {
        "pod_override": k8s.V1Pod(
            spec=k8s.V1PodSpec(
                containers=[
                    k8s.V1Container(
                        name="base",
                        resources=k8s.V1ResourceRequirements(
                            requests={"cpu": cpu, "memory": memory},
                            limits={"cpu": cpu_limit, "memory": memory_limit},
                        ),
                    )
                ]
            )
        )
    }


SMALL = resources("100m", "256Mi", "500m", "512Mi")
LARGER = resources("250m", "768Mi", "1", "1Gi")


@dag(
    dag_id="sensor_daily_summary",
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["example", "sensors"],
    default_args={
        "owner": "data-platform",
        "retries": 3,
        "retry_delay": timedelta(seconds=30),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=5),
        "execution_timeout": timedelta(minutes=15),
    },
    params={"simulate_flaky_source": False},
)
def sensor_daily_summary():
    @task(executor_config=SMALL)
    def extract() -> dict[str, list[float]]:
        context = get_current_context()
        if context["params"].get("simulate_flaky_source") and context["ti"].try_number == 1:
            raise RuntimeError("simulated outage of the sensor source; the retry will succeed")
        seed = context["logical_date"].strftime("%Y%m%d") if context.get("logical_date") else "manual"
        rng = random.Random(seed)
        readings: dict[str, list[float]] = {}
        for index, sensor in enumerate(SENSORS):
            base = 20.0 + 5.0 * index
            values = [round(base + rng.gauss(0, 2.0), 3) for _ in range(READINGS_PER_SENSOR)]
            # A few broken readings, as real sensors produce, for validate() to drop.
            values[rng.randrange(len(values))] = 999.0
            readings[sensor] = values
        return readings

    @task(executor_config=SMALL)
    def validate(readings: dict[str, list[float]]) -> dict[str, list[float]]:
        low, high = PLAUSIBLE_RANGE
        clean = {sensor: [v for v in values if low <= v <= high] for sensor, values in readings.items()}
        dropped = sum(len(readings[s]) - len(clean[s]) for s in readings)
        print(f"dropped {dropped} implausible readings")
        if any(len(values) == 0 for values in clean.values()):
            raise ValueError("a sensor has no plausible readings left")
        return clean

    @task(executor_config=LARGER)
    def summarise(sensor: str, readings: dict[str, list[float]]) -> dict:
        values = readings[sensor]
        return {
            "sensor": sensor,
            "count": len(values),
            "mean": round(statistics.fmean(values), 3),
            "stdev": round(statistics.stdev(values), 3) if len(values) > 1 else 0.0,
            "min": min(values),
            "max": max(values),
        }

    @task(executor_config=SMALL)
    def report(summaries: list[dict]) -> str:
        lines = [f"{s['sensor']}: n={s['count']} mean={s['mean']} sd={s['stdev']} range=[{s['min']}, {s['max']}]" for s in summaries]
        text = "\n".join(sorted(lines))
        print(text)
        return text

    clean = validate(extract())
    report(summarise.partial(readings=clean).expand(sensor=list(SENSORS)))


sensor_daily_summary()
