"""The stack: one line per concern. A new concern (webhooks, provisioning, metrics ingestion) is one more
construct here, taking what it needs: `monitoring` for its alarms, `access` to register
the access kinds its resources serve to routes, `layers` for its functions, `data.table`."""

from __future__ import annotations

from aws_cdk import CfnOutput, Environment, Stack, Tags
from constructs import Construct
from resource_api import routes
from resource_api.frame import request_log

from .access import Access
from .api import Api
from .config import SERVICE_NAME, Config
from .dashboard import Dashboard
from .data import Data
from .ingest import MetricsIngest
from .layers import Layers
from .monitoring import Monitoring
from .provisioning import Provisioning
from .webhooks import Webhooks


class ResourceApiStack(Stack):
    def __init__(self, scope: Construct, config: Config) -> None:
        env = Environment(account=config.account, region=config.region) if config.region else None
        super().__init__(
            scope, config.stack_name, env=env, description=f"Resource API, stage {config.stage}",
            termination_protection=config.production,
        )
        Tags.of(self).add("service", SERVICE_NAME)
        Tags.of(self).add("stage", config.stage)
        self.config = config
        self.access = Access()

        self.monitoring = Monitoring(self, "Monitoring", config=config)
        self.layers = Layers(self, "Layers")
        self.data = Data(self, "Data", config=config, access=self.access, monitoring=self.monitoring)
        self.webhooks = Webhooks(
            self, "Webhooks", config=config, layers=self.layers, table=self.data.table, access=self.access,
            monitoring=self.monitoring, data=self.data,
        )
        self.provisioning = Provisioning(
            self, "Provisioning", config=config, table=self.data.table, access=self.access, monitoring=self.monitoring
        )
        self.provisioning.grant_start(self.webhooks.stream_processor)
        # Constructs that register access kinds (e.g. provisioning's "start_execution")
        # go above this line: the API grants its functions from what is registered.
        # The dashboard (its own API): before the API, whose error objects link to it (request_log_url).
        self.dashboard = Dashboard(
            self, "Dashboard", config=config, layers=self.layers, data=self.data, access=self.access, monitoring=self.monitoring
        )
        self.api = Api(self, "Api", config=config, layers=self.layers, table=self.data.table, access=self.access,
                       monitoring=self.monitoring, dashboard_url=config.dashboard_url or self.dashboard.url)
        # Per-resource metrics and request logs, from the functions' and the access log's lines (off the request path).
        self.ingest = MetricsIngest(
            self, "MetricsIngest", config=config, layers=self.layers, table=self.data.table, monitoring=self.monitoring
        )
        for function in request_log.subscribed_functions(routes):
            self.ingest.subscribe(function, self.api.log_groups[function])
        self.ingest.subscribe_access_log(self.api.access_logs)

        CfnOutput(self, "TableName", value=self.data.table.table_name, description="TABLE_NAME for apictl")
        CfnOutput(self, "AlarmTopicArn", value=self.monitoring.topic.topic_arn)
