"""Alarms and the dashboard. Every other construct reports what it runs here:

    monitoring.watch_function("Name", fn)            # throttles alarm + dashboard graph
    monitoring.watch_dead_letter_queue("Name", dlq)  # alarm as soon as a message is dead-lettered
    monitoring.watch_stream_consumer("Name", fn)     # iterator age alarm (stream processor)
    monitoring.watch_state_machine("Name", sm)       # failed / timed-out / aborted executions
    monitoring.alarm("Name", metric, threshold=..., description=...)   # anything else

Every alarm notifies the stage's alarm topic (subscribe to it, or pass -c alarm_email=...).
"""

from __future__ import annotations

import jsii
from aws_cdk import Aws, Duration, Fn
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from .config import Config

MINUTE = Duration.minutes(1)
GT = cw.ComparisonOperator.GREATER_THAN_THRESHOLD
GTE = cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD


class Monitoring(Construct):
    def __init__(self, scope: Construct, id: str, *, config: Config) -> None:
        super().__init__(scope, id)
        self.config = config
        self.topic = sns.Topic(self, "AlarmTopic", display_name=f"Resource API {config.stage} alarms", enforce_ssl=True)
        # enforce_ssl gives the topic a policy of its own (a Deny of plain HTTP), which
        # replaces SNS's default policy: without this Allow, CloudWatch could not publish
        # and every alarm action would fail silently. Only this account's alarms may.
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarms",
                effect=iam.Effect.ALLOW,
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                    "ArnLike": {"aws:SourceArn": f"arn:{Aws.PARTITION}:cloudwatch:{Aws.REGION}:{Aws.ACCOUNT_ID}:alarm:*"},
                },
            )
        )
        if config.alarm_email:
            self.topic.add_subscription(subs.EmailSubscription(config.alarm_email))
        # Dashboard names are global to the account: the region keeps EU and US apart.
        self.dashboard = cw.Dashboard(self, "Dashboard", dashboard_name=Fn.join("-", [config.stack_name, Aws.REGION]))
        self.alarms: list[cw.Alarm] = []
        self.dashboard.add_widgets(_AlarmStatus(self.alarms))

    # --- generic -------------------------------------------------------------------

    def alarm(
        self,
        id: str,
        metric: cw.IMetric,
        *,
        threshold: float,
        description: str,
        comparison: cw.ComparisonOperator = GT,
        evaluation_periods: int = 3,
        datapoints_to_alarm: int | None = None,
    ) -> cw.Alarm:
        """An alarm that notifies the alarm topic and shows on the dashboard. Missing
        data (no traffic) is not breaching: an idle stage stays quiet."""
        alarm = cw.Alarm(
            self,
            id,
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(cw_actions.SnsAction(self.topic))
        alarm.add_ok_action(cw_actions.SnsAction(self.topic))
        self.alarms.append(alarm)
        return alarm

    def add_widgets(self, *widgets: cw.IWidget) -> None:
        self.dashboard.add_widgets(*widgets)

    # --- what the constructs run ----------------------------------------------------

    def watch_api(self, api: apigw.RestApi, stage: str, name: str = "Api") -> None:
        """`name` prefixes the alarms' ids (another API of the stack: the dashboard's)."""
        dims = {"ApiName": api.rest_api_name, "Stage": stage}

        def metric(name: str, statistic: str) -> cw.Metric:
            return cw.Metric(namespace="AWS/ApiGateway", metric_name=name, dimensions_map=dims, statistic=statistic, period=MINUTE)

        # Average of 5XXError is the share of requests answered 5xx.
        self.alarm(
            f"{name}5xxRate",
            metric("5XXError", "Average"),
            threshold=self.config.error_rate_threshold,
            description=f"More than {self.config.error_rate_threshold:.0%} of requests answered 5xx in 3 of 5 minutes",
            evaluation_periods=5,
            datapoints_to_alarm=3,
        )
        self.alarm(
            f"{name}LatencyP99",
            metric("Latency", "p99"),
            threshold=self.config.p99_latency_ms,
            description=f"p99 latency above {self.config.p99_latency_ms} ms in 3 of 5 minutes",
            evaluation_periods=5,
            datapoints_to_alarm=3,
        )
        self.add_widgets(
            cw.GraphWidget(title=f"{name}: requests" if name != "Api" else "Requests", left=[metric("Count", "Sum")], width=8),
            cw.GraphWidget(title=f"{name}: 4xx / 5xx rate" if name != "Api" else "4xx / 5xx rate",
                           left=[metric("4XXError", "Average"), metric("5XXError", "Average")], width=8),
            cw.GraphWidget(
                title=f"{name}: latency" if name != "Api" else "Latency",
                left=[metric("Latency", "p50"), metric("Latency", "p99"), metric("IntegrationLatency", "p99")],
                width=8,
            ),
        )

    def watch_function(self, id: str, fn: lambda_.IFunction) -> None:
        self.alarm(
            f"{id}Throttles",
            fn.metric_throttles(period=MINUTE, statistic="Sum"),
            threshold=0,
            description=f"{id}: Lambda throttled invocations (concurrency exhausted)",
            evaluation_periods=1,
        )
        self.add_widgets(
            cw.GraphWidget(
                title=id,
                left=[fn.metric_invocations(period=MINUTE), fn.metric_errors(period=MINUTE), fn.metric_throttles(period=MINUTE)],
                right=[fn.metric_duration(period=MINUTE, statistic="p99")],
                width=8,
            )
        )

    def watch_table(self, table: dynamodb.ITable) -> None:
        def metric(name: str) -> cw.Metric:
            return cw.Metric(
                namespace="AWS/DynamoDB", metric_name=name, dimensions_map={"TableName": table.table_name},
                statistic="Sum", period=MINUTE,
            )

        throttles = cw.MathExpression(
            expression="FILL(r, 0) + FILL(w, 0)",
            using_metrics={"r": metric("ReadThrottleEvents"), "w": metric("WriteThrottleEvents")},
            label="Throttle events",
            period=MINUTE,
        )
        self.alarm(
            "TableThrottles",
            throttles,
            threshold=0,
            description="DynamoDB throttled reads or writes of the table in 2 of 3 minutes",
            datapoints_to_alarm=2,
        )
        self.add_widgets(
            cw.GraphWidget(
                title="Table",
                left=[metric("ConsumedReadCapacityUnits"), metric("ConsumedWriteCapacityUnits")],
                right=[throttles],
                width=8,
            )
        )

    def failure_queue(self, scope: Construct, id: str, *, alarm: str, holds: str) -> sqs.Queue:
        """An encrypted queue that is itself the last stop of failed work (an on-failure
        destination or a dead-letter target), kept 14 days and alarmed on its first
        message. `holds` says what lands there (it is the cdk-nag acknowledgement)."""
        from .nag import acknowledge

        queue = sqs.Queue(
            scope, id, retention_period=Duration.days(14), encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True
        )
        acknowledge(queue, "AwsSolutions-SQS3", f"This queue is itself a dead-letter target: {holds}")
        self.watch_dead_letter_queue(alarm, queue)
        return queue

    def watch_dead_letter_queue(self, id: str, queue: sqs.IQueue) -> None:
        self.alarm(
            f"{id}Depth",
            queue.metric_approximate_number_of_messages_visible(period=MINUTE, statistic="Maximum"),
            threshold=1,
            comparison=GTE,
            description=f"{id}: messages were dead-lettered",
            evaluation_periods=1,
        )

    def watch_stream_consumer(self, id: str, fn: lambda_.IFunction, max_age: Duration = Duration.minutes(1)) -> None:
        self.alarm(
            f"{id}IteratorAge",
            fn.metric("IteratorAge", period=MINUTE, statistic="Maximum"),
            threshold=max_age.to_milliseconds(),
            description=f"{id}: stream records wait more than {max_age.to_human_string()}",
        )

    def watch_state_machine(self, id: str, machine: sfn.IStateMachine) -> None:
        failed = cw.MathExpression(
            expression="FILL(f, 0) + FILL(t, 0) + FILL(a, 0)",
            using_metrics={
                "f": machine.metric_failed(period=MINUTE, statistic="Sum"),
                "t": machine.metric_timed_out(period=MINUTE, statistic="Sum"),
                "a": machine.metric_aborted(period=MINUTE, statistic="Sum"),
            },
            label="Failed executions",
            period=MINUTE,
        )
        self.alarm(f"{id}FailedExecutions", failed, threshold=0, description=f"{id}: executions failed", evaluation_periods=1)


@jsii.implements(cw.IWidget)
class _AlarmStatus:
    """The status of every alarm, including those added after the dashboard was made:
    the widget renders its alarm list when the template is written."""

    def __init__(self, alarms: list[cw.Alarm]) -> None:
        self._alarms = alarms
        self._x = self._y = 0

    width = 24
    height = 4
    warnings = None
    warnings_v2 = None

    def position(self, x: float, y: float) -> None:
        self._x, self._y = x, y

    def to_json(self) -> list:
        widget = cw.AlarmStatusWidget(title="Alarms", alarms=list(self._alarms), width=self.width, height=self.height)
        widget.position(self._x, self._y)
        return widget.to_json()
