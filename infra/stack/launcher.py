"""Runs moto's server for nianbao's local stack.

The Go side (infra/stack) embeds this file and starts it as
`python -c <this file> --host 127.0.0.1 --port 0`, with the
environment variable MOTO_PORT set to the port of the Go gateway: moto's
Step Functions interpreter sends its service calls (Lambda Invoke among
them) to http://localhost:$MOTO_PORT, which is how they reach our handlers.

What this adds to `python -m moto.server`:
  - Step Functions really executes state machines
    (config stepfunctions.execute_state_machine, set in-process so that no
    request can race it);
  - work-arounds for moto bugs, each applied only when a probe shows the
    installed moto has the bug, so a fixed moto runs unpatched;
  - one JSON line on stdout once the socket listens (the port picked by the
    kernel, so there is no race for a free port, and the applied patches);
  - it exits when its stdin closes: the Go process holds the other end, so
    moto never outlives it, even when Go is killed with SIGKILL.
"""

import argparse
import copy
import json
import logging
import os
import sys
import threading
import uuid

PROBE_ACCOUNT = "000000000000"  # never the stack's account (123456789012)
PROBE_REGION = "us-east-1"


def _pass_definition():
    return json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})


def _probe_backend():
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    backends = stepfunctions_parser_backends[PROBE_ACCOUNT]
    return backends, backends[PROBE_REGION]


def _wait_done(execution):
    """Waits (briefly) for a probe's Pass execution to end, so that no probe
    thread runs on into the server's life."""
    import time

    deadline = time.monotonic() + 5
    while getattr(execution, "exec_status", None) is not None and execution.exec_status.value == "RUNNING":
        if time.monotonic() > deadline:
            return
        time.sleep(0.005)


class _RunningExecution:
    """What a running execution holds that cannot be copied (its worker's
    threads and locks), with what StartExecution reads of the executions
    already there."""

    def __init__(self, name):
        self.name = name
        self.execution_input = "{}"
        self.lock = threading.RLock()


def _probe_second_start():
    """Returns None when StartExecution can be called again while executions
    run, else the error.

    moto 5.2.1 deep-copies the state machine on every StartExecution. The copy
    reaches the running executions (threads, RLocks) of that machine and,
    through `state_machine.backend`, of every other machine, so the second
    start fails with "cannot pickle '_thread.RLock' object"
    (getmoto/moto#10077; fixed in 5.2.3 by #10093, which leaves out the
    machine's executions and shares the backend). The probe calls moto's own
    StartExecution on a Pass machine while it and another machine of the same
    backend each have a running execution.
    """
    backends, backend = _probe_backend()
    role = f"arn:aws:iam::{PROBE_ACCOUNT}:role/probe"
    try:
        a = backend.create_state_machine(name="probe-a", definition=_pass_definition(), roleArn=role)
        b = backend.create_state_machine(name="probe-b", definition=_pass_definition(), roleArn=role)
        a.executions.append(_RunningExecution("probe-running-a"))
        b.executions.append(_RunningExecution("probe-running-b"))
        _wait_done(backend.start_execution(b.arn, "probe-start", "{}"))
        return None
    except TypeError as err:  # the pickle error is a TypeError
        return err
    finally:
        backends.reset()


def _probe_unnamed_execution():
    """Returns True when StartExecution without a name leaves the execution
    unnamed. AWS names it itself (a UUID); moto 5.2.1–5.2.5 use the Python
    value None (the ARN ends in ":None"), so a second unnamed start with
    another input fails with ExecutionAlreadyExists, and one with the same
    input returns the first execution instead of starting one."""
    backends, backend = _probe_backend()
    role = f"arn:aws:iam::{PROBE_ACCOUNT}:role/probe"
    try:
        sm = backend.create_state_machine(name="probe-unnamed", definition=_pass_definition(), roleArn=role)
        execution = backend.start_execution(sm.arn, None, "{}")
        _wait_done(execution)
        return not execution.name or execution.exec_arn.endswith(":None")
    finally:
        backends.reset()


# Attributes of a state machine that the execution's snapshot shares with the
# original instead of copying: the backend and the other versions hold running
# executions (threads and locks), and copying the backend would also copy every
# other resource of the account.
_SHARED = ("backend", "versions", "aliases", "latest_version")


def _snapshot_state_machine(self, memo):
    """__deepcopy__ for moto's state machines: the snapshot an execution keeps
    of its definition, without the live executions."""
    cls = self.__class__
    clone = cls.__new__(cls)
    memo[id(self)] = clone
    for key, value in self.__dict__.items():
        if key == "executions":
            value = []
        elif key not in _SHARED:
            try:
                value = copy.deepcopy(value, memo)
            except TypeError:
                # Something new that holds a lock: share it, as a snapshot
                # made by attribute assignment would.
                pass
        setattr(clone, key, value)
    return clone


def _patch_snapshot():
    from moto.stepfunctions.models import StateMachineInstance

    StateMachineInstance.__deepcopy__ = _snapshot_state_machine


def _patch_execution_name():
    """AWS names an execution itself when StartExecution has no name (see
    _probe_unnamed_execution). Generate a name, as AWS does."""
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original = StepFunctionsParserBackend.start_execution
    if getattr(original, "_nianbao", False):
        return

    def start_execution(self, state_machine_arn, name=None, execution_input=None, trace_header=None):
        return original(
            self, state_machine_arn, name or str(uuid.uuid4()), execution_input, trace_header
        )

    start_execution._nianbao = True
    StepFunctionsParserBackend.start_execution = start_execution


def _send_task_failure_drops_cause():
    import inspect

    from moto.stepfunctions.responses import StepFunctionResponse

    src = inspect.getsource(StepFunctionResponse.send_task_failure)
    return "cause" not in src


def _patch_send_task_failure():
    """moto 5.2.1 reads `error` from SendTaskFailure but not `cause`."""
    from moto.core.responses import EmptyResult
    from moto.stepfunctions.responses import StepFunctionResponse

    def send_task_failure(self):
        self.stepfunction_backend.send_task_failure(
            self._get_param("taskToken"),
            error=self._get_param("error"),
            cause=self._get_param("cause"),
        )
        return EmptyResult()

    StepFunctionResponse.send_task_failure = send_task_failure


def _stop_leaves_waits_running():
    """moto 5.2.1's StopExecution marks the program stopped but leaves a task
    waiting for its token (or heartbeat) waiting: the execution stays RUNNING
    until the wait times out, then its Catch runs on and the execution ends
    FAILED. AWS aborts it at once."""
    import inspect

    from moto.stepfunctions.parser.asl.eval.environment import Environment

    return "interrupt" not in inspect.getsource(Environment.set_stop)


def _patch_stop():
    """StopExecution interrupts the execution's waits, and a stopped program
    stays stopped (ABORTED) whatever the interrupted task raises afterwards."""
    from moto.stepfunctions.parser.asl.eval.environment import Environment
    from moto.stepfunctions.parser.asl.eval.program_state import ProgramStopped

    set_stop, set_error, set_timed_out = Environment.set_stop, Environment.set_error, Environment.set_timed_out

    def stop(self, stop_date, cause, error):
        set_stop(self, stop_date=stop_date, cause=cause, error=error)
        pool = getattr(self.callback_pool_manager, "_pool", {})
        for endpoint in list(pool.values()):
            endpoint.interrupt_all()

    def error(self, error):
        if not isinstance(self._program_state, ProgramStopped):
            set_error(self, error)

    def timed_out(self):
        if not isinstance(self._program_state, ProgramStopped):
            set_timed_out(self)

    Environment.set_stop, Environment.set_error, Environment.set_timed_out = stop, error, timed_out


def _closed_tokens_accept_callbacks():
    """moto 5.2.1 never marks a task token as used up: SendTaskSuccess with the
    token of a task that timed out (or already ended) "succeeds" and the
    outcome is lost. AWS answers TaskTimedOut, which is how a caller learns
    that its decision did not reach the execution."""
    import inspect

    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_callback,
    )

    return ".report(" not in inspect.getsource(state_task_service_callback)


def _patch_closed_tokens():
    """Once a waitForTaskToken task is over (its output taken, its error raised,
    or its TimeoutSeconds passed), its token answers TaskTimedOut. This is
    moto's StateTaskServiceCallback._eval_body with the token marked at the end;
    the outer timeout fires before the inner wait returns, so only here is the
    end of the task known in time."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import (
        ResourceCondition,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (
        StateTaskService,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
        StateTaskServiceCallback,
    )
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackConsumerTimeout

    def eval_body(self, env):
        token = None
        if (
            self._is_integration_pattern()
            and ResourceCondition.WaitForTaskToken in self._supported_integration_patterns
        ):
            self._assert_integration_pattern_is_supported()
            token = env.states.context_object.update_task_token()
            env.callback_pool_manager.add(token)
        try:
            StateTaskService._eval_body(self, env=env)
        finally:
            endpoint = env.callback_pool_manager.get(token) if token else None
            if endpoint is not None and endpoint.consumer_error is None:
                endpoint.report(CallbackConsumerTimeout())
        env.states.context_object.context_object_data.pop("Task", None)

    StateTaskServiceCallback._eval_body = eval_body
    _patch_task_errors()


def _patch_task_errors():
    """Answer a used-up token as AWS does. moto's backend turns the pool's
    CallbackNotifyConsumerError into its own TaskTimedOut/TaskDoesNotExist, but
    tests the wrong object (so never TaskTimedOut) and builds the exception
    without its message (a TypeError: HTTP 500). The pool raises the AWS error
    itself instead."""
    from moto.core.exceptions import JsonRESTError
    from moto.stepfunctions.parser.asl.eval.callback.callback import (
        CallbackConsumerTimeout,
        CallbackPoolManager,
    )

    def refuse(endpoint):
        if isinstance(endpoint.consumer_error, CallbackConsumerTimeout):
            raise JsonRESTError("TaskTimedOut", "Task Timed Out")
        raise JsonRESTError("TaskDoesNotExist", "Task Does Not Exist")

    notify, heartbeat = CallbackPoolManager.notify, CallbackPoolManager.heartbeat

    def checked(method):
        def call(self, callback_id, *args, **kwargs):
            endpoint = self._pool.get(callback_id)
            if endpoint is not None and endpoint.consumer_error is not None:
                refuse(endpoint)
            return method(self, callback_id, *args, **kwargs)

        return call

    CallbackPoolManager.notify, CallbackPoolManager.heartbeat = checked(notify), checked(heartbeat)


def _dynamodb_writes_unlocked():
    """moto's DynamoDB evaluates a condition and then writes, with no lock, while
    its server answers requests on many threads: two concurrent conditional
    writes can both pass. DynamoDB makes each write atomic."""
    import inspect

    from moto.dynamodb.models import DynamoDBBackend

    return "lock" not in inspect.getsource(DynamoDBBackend.update_item).lower()


def _patch_dynamodb_writes():
    """One lock around every item write, so a condition and its write are atomic."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()

    def locked(method):
        def write(self, *args, **kwargs):
            with lock:
                return method(self, *args, **kwargs)

        return write

    for name in ("put_item", "update_item", "delete_item", "transact_write_items"):
        setattr(DynamoDBBackend, name, locked(getattr(DynamoDBBackend, name)))


def _replaced_attribute_counted_twice():
    """moto's item size limit (LimitedSizeDict.__setitem__) adds a value's size to the
    item's current size, which still holds the value it replaces: an item with a
    250 KB attribute cannot set that attribute again, though the item stays well under
    DynamoDB's 400 KB (a second save of a large draft answered ValidationException).
    The probe sets one key of a real LimitedSizeDict twice."""
    from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict
    from moto.dynamodb.exceptions import ItemSizeTooLarge

    d = LimitedSizeDict()
    big = DynamoType({"S": "x" * 250_000})
    d["a"] = big
    try:
        d["a"] = big
    except ItemSizeTooLarge:
        return True
    return False


def _patch_replaced_attribute():
    """Counts the item without the value being replaced, as DynamoDB does."""
    from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize
    from moto.dynamodb.exceptions import ItemSizeTooLarge

    def size(k, v):
        return bytesize(k) + (v.size() if type(v) is DynamoType else bytesize(str(v)))

    def setitem(self, key, value):
        current = sum(size(k, v) for k, v in self.items() if k != key)
        if current + size(key, value) > 405000:
            raise ItemSizeTooLarge
        dict.__setitem__(self, key, value)

    LimitedSizeDict.__setitem__ = setitem


def apply_workarounds():
    """Applies each work-around whose probe shows the installed moto has the
    bug, and returns their names. NIANBAO_MOTO_WORKAROUNDS=off applies none;
    a comma-separated list of names with a leading "-" (e.g.
    "-stepfunctions-stop-execution") leaves those out: to see which tests
    still need each one on a new moto."""
    setting = os.environ.get("NIANBAO_MOTO_WORKAROUNDS", "")
    if setting == "off":
        return []
    skipped = {n.strip()[1:] for n in setting.split(",") if n.strip().startswith("-")}
    applied = []

    def want(name):
        return name not in skipped

    if want("stepfunctions-snapshot"):
        err = _probe_second_start()
        if err is not None:
            _patch_snapshot()
            applied.append("stepfunctions-snapshot")
            again = _probe_second_start()
            if again is not None:
                raise SystemExit(
                    f"nianbao: the StartExecution work-around does not fit this moto: {again!r}"
                )
    if want("stepfunctions-execution-name") and _probe_unnamed_execution():
        _patch_execution_name()
        applied.append("stepfunctions-execution-name")
        if _probe_unnamed_execution():
            raise SystemExit("nianbao: the unnamed-execution work-around does not fit this moto")
    if want("stepfunctions-send-task-failure-cause") and _send_task_failure_drops_cause():
        _patch_send_task_failure()
        applied.append("stepfunctions-send-task-failure-cause")
    if want("stepfunctions-stop-execution") and _stop_leaves_waits_running():
        _patch_stop()
        applied.append("stepfunctions-stop-execution")
    if want("stepfunctions-closed-task-token") and _closed_tokens_accept_callbacks():
        _patch_closed_tokens()
        applied.append("stepfunctions-closed-task-token")
    if want("dynamodb-item-size-replace") and _replaced_attribute_counted_twice():
        _patch_replaced_attribute()
        applied.append("dynamodb-item-size-replace")
        if _replaced_attribute_counted_twice():
            raise SystemExit("nianbao: the item-size work-around does not fit this moto")
    if want("dynamodb-atomic-conditional-writes") and _dynamodb_writes_unlocked():
        _patch_dynamodb_writes()
        applied.append("dynamodb-atomic-conditional-writes")
    return applied


def _exit_when_stdin_closes():
    def watch():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        finally:
            os._exit(0)

    threading.Thread(target=watch, name="stdin-watch", daemon=True).start()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()

    if "MOTO_PORT" not in os.environ:
        raise SystemExit("nianbao: MOTO_PORT (the gateway's port) must be set")

    _exit_when_stdin_closes()

    if not args.verbose:
        # werkzeug logs every request; the Go side logs what matters.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

    try:
        import moto
        import flask  # noqa: F401  (moto's server needs moto[server])
    except ImportError as err:
        raise SystemExit(f"nianbao: {sys.executable} needs moto 5 with its server: {err}")
    major = getattr(moto, "__version__", "0").split(".")[0]
    if not major.isdigit() or int(major) < 5:
        raise SystemExit(f"nianbao: {sys.executable} needs moto 5 with its server, has moto {moto.__version__}")

    from moto.core.config import default_user_config
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    default_user_config["stepfunctions"]["execute_state_machine"] = True
    applied = apply_workarounds()

    app = DomainDispatcherApplication(create_backend_app)
    server = make_server(args.host, args.port, app, threaded=True)
    print(
        json.dumps(
            {
                "port": server.server_port,
                "moto": getattr(moto, "__version__", "?"),
                "python": sys.version.split()[0],
                "workarounds": applied,
            }
        ),
        flush=True,
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
