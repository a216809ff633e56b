"""The signed client the `fws` command line calls the service with.

  session.py    Session: the resolved profile (endpoint, region, keys, retries, timeouts)
  transport.py  one signed form POST (requests + requests-auth-aws-sigv4)
  embedded.py   the in-process service used when no endpoint is configured
  client.py     Client.call(): encode, send with retries, decode, typed errors
  paginator.py  paginate(): lazy pages of list operations, resumable tokens
  errors.py     ServiceError, EndpointUnreachable, ResponseError, PaginationError

Nothing is re-exported here: importing `fwscli.client.errors` must stay as cheap as the
CLI's start-up needs (no requests, no SQLAlchemy).
"""
