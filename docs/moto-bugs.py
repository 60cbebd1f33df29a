"""Minimal reproductions of the moto bugs infra/stack/launcher.py works around,
each fit for an upstream report (getmoto/moto). Plain moto, no nianbao code:

    .venv/bin/python docs/moto-bugs.py          # all; or name some: unnamed cause stop token ddb

Each prints what AWS does, what moto did, and BUG or ok. Uses moto's threaded
server on a free loopback port, with Step Functions executing state machines;
the waitForTaskToken tasks send their token to SQS (moto's own, through
MOTO_PORT).
"""

import json
import os
import socket
import sys
import threading
import time

import logging

import boto3
from botocore.exceptions import ClientError
from moto.core.config import default_user_config
from moto.server import ThreadedMotoServer

ROLE = "arn:aws:iam::123456789012:role/r"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT = free_port()
os.environ["MOTO_PORT"] = str(PORT)  # where moto's ASL interpreter sends service calls
default_user_config["stepfunctions"]["execute_state_machine"] = True
logging.getLogger("werkzeug").setLevel(logging.ERROR)
server = ThreadedMotoServer(ip_address="127.0.0.1", port=PORT, verbose=False)
server.start()
kw = dict(endpoint_url=f"http://127.0.0.1:{PORT}", region_name="us-east-1",
          aws_access_key_id="k", aws_secret_access_key="s")
sfn, sqs, ddb = boto3.client("stepfunctions", **kw), boto3.client("sqs", **kw), boto3.client("dynamodb", **kw)


def machine(name, definition):
    return sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]


def wait_for_token_machine(name, timeout=None, catch=False):
    """One task that sends its token to SQS and waits for it."""
    q = sqs.create_queue(QueueName=name)["QueueUrl"]
    task = {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": q, "MessageBody": {"token.$": "$$.Task.Token"}}, "End": True}
    if timeout:
        task["TimeoutSeconds"] = timeout
    states = {"Wait": task}
    if catch:
        task["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]
        states["Caught"] = {"Type": "Pass", "End": True}
    return machine(name, {"StartAt": "Wait", "States": states}), q


def token_from(q):
    for _ in range(100):
        msgs = sqs.receive_message(QueueUrl=q, WaitTimeSeconds=1).get("Messages", [])
        if msgs:
            return json.loads(msgs[0]["Body"])["token"]
    raise SystemExit("no task token arrived")


def until_done(arn, seconds=15):
    end = time.time() + seconds
    while True:
        d = sfn.describe_execution(executionArn=arn)
        if d["status"] != "RUNNING" or time.time() > end:
            return d
        time.sleep(0.1)


def report(name, aws, moto, bug):
    print(f"{'BUG' if bug else 'ok '} {name}\n    AWS:  {aws}\n    moto: {moto}")


def unnamed():
    arn = machine("unnamed", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    first = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    try:
        second = sfn.start_execution(stateMachineArn=arn, input='{"n": 2}')["executionArn"]
    except ClientError as err:
        second = err.response["Error"]["Code"]
    report("StartExecution without a name", "each execution gets a generated name (a UUID)",
           f"first {first.rsplit(':', 1)[1]!r}, second {second.rsplit(':', 1)[-1]!r}", first.endswith(":None"))


def cause():
    arn, q = wait_for_token_machine("cause")
    ex = sfn.start_execution(stateMachineArn=arn, name="c")["executionArn"]
    sfn.send_task_failure(taskToken=token_from(q), error="Rejected", cause="the reason")
    d = until_done(ex)
    report("SendTaskFailure's cause", "FAILED, error 'Rejected', cause 'the reason'",
           f"{d['status']}, error {d.get('error')!r}, cause {d.get('cause')!r}", d.get("cause") != "the reason")


def stop():
    arn, q = wait_for_token_machine("stop", timeout=5, catch=True)
    ex = sfn.start_execution(stateMachineArn=arn, name="s")["executionArn"]
    token_from(q)
    sfn.stop_execution(executionArn=ex, error="Withdrawn", cause="by the user")
    time.sleep(1)
    soon = sfn.describe_execution(executionArn=ex)["status"]
    later = until_done(ex, 10)["status"]
    report("StopExecution of an execution waiting for a task token", "ABORTED at once, and stays ABORTED",
           f"{soon} 1 s after the stop, {later} once the task's TimeoutSeconds (5) passed", soon != "ABORTED" or later != "ABORTED")


def token():
    arn, q = wait_for_token_machine("token", timeout=1)
    ex = sfn.start_execution(stateMachineArn=arn, name="t")["executionArn"]
    tok = token_from(q)
    d = until_done(ex)
    try:
        sfn.send_task_success(taskToken=tok, output="{}")
        answer = "200 OK"
    except ClientError as err:
        answer = f"{err.response['ResponseMetadata']['HTTPStatusCode']} {err.response['Error']['Code']}"
    report("SendTaskSuccess with the token of a task that timed out",
           "TaskTimedOut (HTTP 400)", f"execution {d['status']}; SendTaskSuccess answered {answer}", "TaskTimedOut" not in answer)


def ddb_race():
    ddb.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    rounds, threads, doubled = 100, 8, 0
    for r in range(rounds):
        wins, barrier = [], threading.Barrier(threads)

        def put(i):
            c = boto3.client("dynamodb", **kw)
            barrier.wait()
            try:
                c.put_item(TableName="t", Item={"pk": {"S": f"k{r}"}, "by": {"N": str(i)}},
                           ConditionExpression="attribute_not_exists(pk)")
                wins.append(i)
            except ClientError:
                pass

        ts = [threading.Thread(target=put, args=(i,)) for i in range(threads)]
        [t.start() for t in ts]
        [t.join() for t in ts]
        doubled += len(wins) > 1
    report("concurrent PutItem with attribute_not_exists on one key",
           "exactly one write succeeds, the others ConditionalCheckFailedException",
           f"more than one succeeded in {doubled} of {rounds} rounds of {threads}", doubled > 0)


def ddb_size():
    ddb.create_table(TableName="s", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    big = b"x" * 230_000  # 230 KB: the item stays far under 400 KB
    ddb.put_item(TableName="s", Item={"pk": {"S": "k"}, "b": {"B": big}})
    try:
        ddb.update_item(TableName="s", Key={"pk": {"S": "k"}}, UpdateExpression="SET b = :b",
                        ExpressionAttributeValues={":b": {"B": big}})
        answer = "succeeded"
    except ClientError as err:
        answer = f"{err.response['Error']['Code']}: {err.response['Error']['Message']}"
    report("UpdateItem replacing a 230 KB attribute of a 230 KB item",
           "succeeds (the item after the update is 230 KB)", answer, answer != "succeeded")


CASES = {"unnamed": unnamed, "cause": cause, "stop": stop, "token": token, "ddb": ddb_race, "size": ddb_size}

if __name__ == "__main__":
    import moto

    print(f"moto {moto.__version__}")
    for name in sys.argv[1:] or CASES:
        CASES[name]()
    server.stop()
