"""The local cloud: moto for AWS, plus a gateway that does what API Gateway and the
Lambda service do, so the functions run locally exactly as deployed."""
