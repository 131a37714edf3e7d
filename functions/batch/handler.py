"""POST /v1/batch"""

from resource_api import batch
from resource_api.http import Api, Req

api = Api("batch")


@api.endpoint(body=batch.BatchRequest)
def run_batch(req: Req, params: batch.BatchRequest) -> dict:
    return batch.run(req, params)


handler = api.handler
