"""moto_server, with AgentCore runtimes in its CloudFormation.

moto 5.2.5's CloudFormation drops `AWS::BedrockAgentCore::*` resources (and fails on `Fn::GetAtt`
of them), but moto implements the bedrock-agentcore-control API. This launcher registers
`AWS::BedrockAgentCore::Runtime`, `RuntimeEndpoint`, `Memory`, `Gateway` and `GatewayTarget` as
CloudFormation models backed by that API (create, update, replace, delete; `Ref` and the
`GetAtt` attributes hangar uses), so that a stack deploys as it does on AWS and its resources
are visible through bedrock-agentcore-control afterwards. The types moto does not implement
(credential providers, workload identities, custom browsers and code interpreters) are held by
the launcher itself, with AgentCore's ARN shapes.

It also gives moto's change sets what CloudFormation does when a resource fails: moto raises
out of ExecuteChangeSet; here the failing resource gets a `*_FAILED` event with its reason,
what the change set created is removed, and the stack ends in `ROLLBACK_COMPLETE` (a failed
create) or `UPDATE_ROLLBACK_COMPLETE` (a failed update), as on AWS.

A Runtime whose code archive is not in S3 fails to create, as AgentCore's does.

Usage: python moto_launcher.py -H 127.0.0.1 -p 5001   (moto_server's own arguments)
"""

import sys
from typing import Any

from moto.bedrockagentcorecontrol.models import bedrockagentcorecontrol_backends
from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel


def _camel(key: str) -> str:
    return key[:1].lower() + key[1:]


# Maps whose keys are the user's, not property names.
_USER_MAPS = {"EnvironmentVariables", "Tags"}


def _api_shape(value: Any) -> Any:
    """CloudFormation's PascalCase properties as the API's camelCase members."""
    if isinstance(value, dict):
        return {
            _camel(k): (dict(v) if k in _USER_MAPS else _api_shape(v)) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_api_shape(v) for v in value]
    return value


def _backend(account_id: str, region_name: str):
    return bedrockagentcorecontrol_backends[account_id][region_name]


class ResourceFailed(Exception):
    """A resource CloudFormation could not create, update or delete."""

    def __init__(self, logical_id: str, resource_type: str, operation: str, reason: str):
        super().__init__(f"{logical_id} ({resource_type}): {reason}")
        self.logical_id = logical_id
        self.resource_type = resource_type
        self.operation = operation
        self.reason = reason


def _check_code_in_s3(artifact: dict[str, Any], account_id: str) -> None:
    s3 = artifact.get("CodeConfiguration", {}).get("Code", {}).get("S3")
    if not s3:
        return
    from moto.s3.models import s3_backends

    bucket, key = s3.get("Bucket"), s3.get("Prefix")
    backend = s3_backends[account_id]["global"]
    try:
        found = backend.get_object(bucket, key)
    except Exception:  # noqa: BLE001 - any miss is the same answer
        found = None
    if found is None:
        raise ValueError(f"The code archive s3://{bucket}/{key} does not exist")


def _runtime_arguments(props: dict[str, Any]) -> dict[str, Any]:
    protocol = props.get("ProtocolConfiguration")
    return {
        "agent_runtime_artifact": _api_shape(props["AgentRuntimeArtifact"]),
        "role_arn": props["RoleArn"],
        "network_configuration": _api_shape(props.get("NetworkConfiguration", {"NetworkMode": "PUBLIC"})),
        "description": props.get("Description"),
        "authorizer_configuration": _api_shape(props.get("AuthorizerConfiguration")),
        "request_header_configuration": _api_shape(props.get("RequestHeaderConfiguration")),
        "protocol_configuration": {"serverProtocol": protocol} if protocol else None,
        "lifecycle_configuration": _api_shape(props.get("LifecycleConfiguration")),
        "environment_variables": props.get("EnvironmentVariables"),
    }


class _Attributes:
    """`GetAtt`'s answers, from `_ATTRIBUTES` (name -> getter of `_state()`).

    A mixin, not a base class: moto finds models among CloudFormationModel's direct subclasses.
    """

    _ATTRIBUTES: dict = {}

    def _state(self) -> Any:
        raise NotImplementedError

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls._ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        if attribute_name not in self._ATTRIBUTES:
            raise UnformattedGetAttTemplateException()
        return self._ATTRIBUTES[attribute_name](self._state())

    def is_created(self) -> bool:
        return True


class Runtime(_Attributes, CloudFormationModel):
    """`AWS::BedrockAgentCore::Runtime`: an agent runtime of bedrock-agentcore-control."""

    # moto files models by the second part of their module name.
    __module__ = "hangar_launcher.bedrockagentcorecontrol"

    def __init__(self, runtime: Any, account_id: str, region_name: str):
        self.runtime = runtime
        self.account_id = account_id
        self.region_name = region_name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "AgentRuntimeName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::BedrockAgentCore::Runtime"

    @property
    def physical_resource_id(self) -> str:
        return self.runtime.agent_runtime_id

    _ATTRIBUTES = {
        "AgentRuntimeArn": lambda r: r.agent_runtime_arn,
        "AgentRuntimeId": lambda r: r.agent_runtime_id,
        "AgentRuntimeVersion": lambda r: r.agent_runtime_version,
        "Status": lambda r: "READY",
        "CreatedAt": lambda r: r.created_at.isoformat(),
        "LastUpdatedAt": lambda r: r.last_updated_at.isoformat(),
        "WorkloadIdentityDetails.WorkloadIdentityArn": lambda r: r.workload_identity_details["workloadIdentityArn"],
    }

    def _state(self) -> Any:
        return self.runtime

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        _check_code_in_s3(props["AgentRuntimeArtifact"], account_id)
        runtime = _backend(account_id, region_name).create_agent_runtime(
            agent_runtime_name=props["AgentRuntimeName"], tags=props.get("Tags"), **_runtime_arguments(props)
        )
        return cls(runtime, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        props = cloudformation_json["Properties"]
        _check_code_in_s3(props["AgentRuntimeArtifact"], account_id)
        if props["AgentRuntimeName"] != original_resource.runtime.agent_runtime_name:
            # The name is create-only: CloudFormation replaces the runtime.
            new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
            original_resource.delete(account_id, region_name)
            return new
        runtime = _backend(account_id, region_name).update_agent_runtime(
            agent_runtime_id=original_resource.runtime.agent_runtime_id, **_runtime_arguments(props)
        )
        return cls(runtime, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        _backend(account_id, region_name).delete_agent_runtime(resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).delete_agent_runtime(self.runtime.agent_runtime_id)


class RuntimeEndpoint(_Attributes, CloudFormationModel):
    """`AWS::BedrockAgentCore::RuntimeEndpoint`: a named endpoint of an agent runtime."""

    # moto files models by the second part of their module name.
    __module__ = "hangar_launcher.bedrockagentcorecontrol"

    def __init__(self, endpoint: Any):
        self.endpoint = endpoint

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::BedrockAgentCore::RuntimeEndpoint"

    @property
    def physical_resource_id(self) -> str:
        return self.endpoint.agent_runtime_endpoint_arn

    _ATTRIBUTES = {
        "AgentRuntimeEndpointArn": lambda e: e.agent_runtime_endpoint_arn,
        "Id": lambda e: e.endpoint_id,
        "AgentRuntimeArn": lambda e: e.agent_runtime_arn,
        "Status": lambda e: "READY",
        "LiveVersion": lambda e: e.live_version,
        "TargetVersion": lambda e: e.target_version,
        "CreatedAt": lambda e: e.created_at.isoformat(),
        "LastUpdatedAt": lambda e: e.last_updated_at.isoformat(),
    }

    def _state(self) -> Any:
        return self.endpoint

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        endpoint = _backend(account_id, region_name).create_agent_runtime_endpoint(
            agent_runtime_id=props["AgentRuntimeId"],
            name=props["Name"],
            agent_runtime_version=props.get("AgentRuntimeVersion"),
            description=props.get("Description"),
            tags=props.get("Tags"),
        )
        return cls(endpoint)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        props = cloudformation_json["Properties"]
        old = original_resource.endpoint
        if props["Name"] != old.name or props["AgentRuntimeId"] != old.agent_runtime_id:
            new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
            original_resource.delete(account_id, region_name)
            return new
        endpoint = _backend(account_id, region_name).update_agent_runtime_endpoint(
            agent_runtime_id=old.agent_runtime_id,
            endpoint_name=old.name,
            agent_runtime_version=props.get("AgentRuntimeVersion"),
            description=props.get("Description"),
        )
        return cls(endpoint)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        pass  # deleted through `delete`, which knows the runtime

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        key = (self.endpoint.agent_runtime_id, self.endpoint.name)
        # Deleting the runtime deletes its endpoints; either order works.
        if key in backend.agent_runtime_endpoints:
            backend.delete_agent_runtime_endpoint(*key)


def _gateway_arguments(props: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": props["Name"],
        "role_arn": props["RoleArn"],
        "protocol_type": props.get("ProtocolType", "MCP"),
        "authorizer_type": props["AuthorizerType"],
        "description": props.get("Description"),
        "protocol_configuration": _api_shape(props.get("ProtocolConfiguration")),
        "authorizer_configuration": _api_shape(props.get("AuthorizerConfiguration")),
        "kms_key_arn": props.get("KmsKeyArn"),
        "interceptor_configurations": _api_shape(props.get("InterceptorConfigurations")),
        "policy_engine_configuration": _api_shape(props.get("PolicyEngineConfiguration")),
        "exception_level": props.get("ExceptionLevel"),
    }


class Gateway(_Attributes, CloudFormationModel):
    """`AWS::BedrockAgentCore::Gateway`, backed by bedrock-agentcore-control."""

    __module__ = "hangar_launcher.bedrockagentcorecontrol"

    def __init__(self, gateway: Any):
        self.gateway = gateway

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::BedrockAgentCore::Gateway"

    @property
    def physical_resource_id(self) -> str:
        return self.gateway.gateway_id

    _ATTRIBUTES = {
        "GatewayArn": lambda g: g.gateway_arn,
        "GatewayIdentifier": lambda g: g.gateway_id,
        "GatewayUrl": lambda g: g.gateway_url,
        "Status": lambda g: "READY",
    }

    def _state(self) -> Any:
        return self.gateway

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        gateway = _backend(account_id, region_name).create_gateway(tags=props.get("Tags"), **_gateway_arguments(props))
        return cls(gateway)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        props = cloudformation_json["Properties"]
        gateway = _backend(account_id, region_name).update_gateway(
            gateway_identifier=original_resource.gateway.gateway_id, **_gateway_arguments(props)
        )
        return cls(gateway)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        _backend(account_id, region_name).delete_gateway(resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        if self.gateway.gateway_id in backend.gateways:
            backend.delete_gateway(self.gateway.gateway_id)


def _target_arguments(props: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": props["Name"],
        "target_configuration": _api_shape(props["TargetConfiguration"]),
        "description": props.get("Description"),
        "credential_provider_configurations": _api_shape(props.get("CredentialProviderConfigurations")),
        "metadata_configuration": _api_shape(props.get("MetadataConfiguration")),
    }


class GatewayTarget(_Attributes, CloudFormationModel):
    """`AWS::BedrockAgentCore::GatewayTarget`: a target of a gateway."""

    __module__ = "hangar_launcher.bedrockagentcorecontrol"

    def __init__(self, target: Any):
        self.target = target

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::BedrockAgentCore::GatewayTarget"

    @property
    def physical_resource_id(self) -> str:
        return self.target.target_id

    _ATTRIBUTES = {
        "TargetId": lambda t: t.target_id,
        "GatewayArn": lambda t: t.gateway_arn,
        "Status": lambda t: "READY",
    }

    def _state(self) -> Any:
        return self.target

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        target = _backend(account_id, region_name).create_gateway_target(
            gateway_identifier=props["GatewayIdentifier"], **_target_arguments(props)
        )
        return cls(target)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        props = cloudformation_json["Properties"]
        old = original_resource.target
        if props["GatewayIdentifier"] != old.gateway_id:  # create-only
            new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
            original_resource.delete(account_id, region_name)
            return new
        target = _backend(account_id, region_name).update_gateway_target(
            gateway_identifier=old.gateway_id, target_id=old.target_id, **_target_arguments(props)
        )
        return cls(target)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        pass  # deleted through `delete`, which knows the gateway

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        # Deleting the gateway deletes its targets; either order works.
        if (self.target.gateway_id, self.target.target_id) in backend.gateway_targets:
            backend.delete_gateway_target(self.target.gateway_id, self.target.target_id)


class Memory(_Attributes, CloudFormationModel):
    """`AWS::BedrockAgentCore::Memory`, backed by bedrock-agentcore-control."""

    __module__ = "hangar_launcher.bedrockagentcorecontrol"

    def __init__(self, memory: Any):
        self.memory = memory

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::BedrockAgentCore::Memory"

    @property
    def physical_resource_id(self) -> str:
        return self.memory.memory_id

    _ATTRIBUTES = {
        "MemoryArn": lambda m: m.memory_arn,
        "MemoryId": lambda m: m.memory_id,
        "Status": lambda m: "ACTIVE",
    }

    def _state(self) -> Any:
        return self.memory

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        memory = _backend(account_id, region_name).create_memory(
            name=props["Name"],
            event_expiry_duration=props["EventExpiryDuration"],
            description=props.get("Description"),
            encryption_key_arn=props.get("EncryptionKeyArn"),
            memory_execution_role_arn=props.get("MemoryExecutionRoleArn"),
            memory_strategies=_api_shape(props.get("MemoryStrategies")),
            tags=props.get("Tags"),
        )
        return cls(memory)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        props = cloudformation_json["Properties"]
        old = original_resource.memory
        if props["Name"] != old.name or props.get("EncryptionKeyArn") != old.encryption_key_arn:  # create-only
            new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
            original_resource.delete(account_id, region_name)
            return new
        old.description = props.get("Description") or ""
        old.event_expiry_duration = props["EventExpiryDuration"]
        old.memory_execution_role_arn = props.get("MemoryExecutionRoleArn")
        return cls(old)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        _backend(account_id, region_name).delete_memory(resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        if self.memory.memory_id in backend.memories:
            backend.delete_memory(self.memory.memory_id)


# Types moto's bedrock-agentcore-control does not implement: the launcher keeps them itself,
# with the ARNs and IDs AgentCore gives them, so stacks that hold them deploy and delete.
_LOCAL: dict[str, dict[str, Any]] = {}


class _Local(_Attributes):
    """A resource held by the launcher: its properties, an ID and an ARN."""

    _KIND = ""  # the ARN's resource path, e.g. "browser-custom"

    def __init__(self, props: dict[str, Any], account_id: str, region_name: str, name: str):
        import uuid

        self.props = props
        self.name = name
        self.ident = f"{name}-{uuid.uuid4().hex[:10]}"
        self.arn = f"arn:aws:bedrock-agentcore:{region_name}:{account_id}:{self._KIND.format(name=name, id=self.ident)}"
        _LOCAL.setdefault(self.cloudformation_type(), {})[self.ident] = self

    @property
    def physical_resource_id(self) -> str:
        return self.ident

    def _state(self) -> Any:
        return self

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        return cls(props, account_id, region_name, props["Name"])

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        props = cloudformation_json["Properties"]
        if props["Name"] != original_resource.name:  # create-only everywhere
            new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
            original_resource.delete(account_id, region_name)
            return new
        original_resource.props = props
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        _LOCAL.get(cls.cloudformation_type(), {}).pop(resource_name, None)

    def delete(self, account_id: str, region_name: str) -> None:
        _LOCAL.get(self.cloudformation_type(), {}).pop(self.ident, None)


def _local_model(type_name: str, kind: str, attributes: dict[str, Any]):
    """A CloudFormation model of `type_name` held by the launcher."""

    # moto finds models among CloudFormationModel's direct subclasses.
    model = type(
        type_name.split("::")[-1],
        (_Local, CloudFormationModel),
        {
            "__module__": "hangar_launcher.bedrockagentcorecontrol",
            "_KIND": kind,
            "_ATTRIBUTES": attributes,
            "cloudformation_type": staticmethod(lambda: type_name),
            "cloudformation_name_type": staticmethod(lambda: "Name"),
        },
    )
    return model


ApiKeyCredentialProvider = _local_model(
    "AWS::BedrockAgentCore::ApiKeyCredentialProvider",
    "token-vault/default/apikeycredentialprovider/{name}",
    {"CredentialProviderArn": lambda r: r.arn},
)
OAuth2CredentialProvider = _local_model(
    "AWS::BedrockAgentCore::OAuth2CredentialProvider",
    "token-vault/default/oauth2credentialprovider/{name}",
    {"CredentialProviderArn": lambda r: r.arn, "CallbackUrl": lambda r: f"https://bedrock-agentcore.amazonaws.com/identities/oauth2/callback/{r.ident}"},
)
WorkloadIdentity = _local_model(
    "AWS::BedrockAgentCore::WorkloadIdentity",
    "workload-identity-directory/default/workload-identity/{name}",
    {"WorkloadIdentityArn": lambda r: r.arn},
)
BrowserCustom = _local_model(
    "AWS::BedrockAgentCore::BrowserCustom",
    "browser-custom/{id}",
    {"BrowserArn": lambda r: r.arn, "BrowserId": lambda r: r.ident, "Status": lambda r: "READY"},
)
CodeInterpreterCustom = _local_model(
    "AWS::BedrockAgentCore::CodeInterpreterCustom",
    "code-interpreter-custom/{id}",
    {"CodeInterpreterArn": lambda r: r.arn, "CodeInterpreterId": lambda r: r.ident, "Status": lambda r: "READY"},
)


# --- Failures as CloudFormation reports them ----------------------------------------------------

def _stack_of(resources_map, account_id: str, region_name: str):
    backend = cfn_models.cloudformation_backends[account_id][region_name]
    return backend.stacks.get(getattr(resources_map, "stack_id", None))


def _failing(operation: str, inner):
    """Runs a resource operation with the stack events CloudFormation writes for it
    (`<OP>_IN_PROGRESS`, then `<OP>_COMPLETE`); a failure becomes a ResourceFailed."""

    def wrapper(logical_id, resource_json, resources_map, account_id, region_name, *args, **kwargs):
        stack = _stack_of(resources_map, account_id, region_name)
        kind = resource_json.get("Type", "?")
        if stack is not None:
            _resource_event(stack, logical_id, kind, f"{operation}_IN_PROGRESS")
        try:
            resource = inner(logical_id, resource_json, resources_map, account_id, region_name, *args, **kwargs)
        except ResourceFailed:
            raise
        except Exception as e:  # noqa: BLE001 - every failure becomes the resource's
            reason = getattr(e, "message", None) or str(e) or type(e).__name__
            raise ResourceFailed(logical_id, kind, operation, reason) from e
        if stack is not None:
            physical = getattr(resource, "physical_resource_id", "") if resource is not None else ""
            _resource_event(stack, logical_id, kind, f"{operation}_COMPLETE", physical=str(physical or ""))
        return resource

    return wrapper


parsing.parse_and_create_resource = _failing("CREATE", parsing.parse_and_create_resource)
parsing.parse_and_update_resource = _failing("UPDATE", parsing.parse_and_update_resource)


def _resource_event(stack, logical_id: str, kind: str, status: str, reason=None, physical: str = "") -> None:
    event = cfn_models.Event(
        stack_id=stack.stack_id,
        stack_name=stack.name,
        logical_resource_id=logical_id,
        physical_resource_id=physical,
        resource_type=kind,
        resource_status=status,
        resource_status_reason=reason,
        resource_properties=None,
    )
    stack.events.append(event)


_execute_change_set = cfn_models.CloudFormationBackend.execute_change_set


def execute_change_set(self, change_set_name: str, stack_name: str | None = None) -> None:
    change_set = self.change_sets.get(change_set_name) or next(
        (cs for cs in self.change_sets.values() if cs.change_set_name == change_set_name), None
    )
    if change_set is None:
        return _execute_change_set(self, change_set_name, stack_name)
    stack = self.stacks[change_set.stack_id]
    before = dict(stack.resource_map._parsed_resources)
    try:
        _execute_change_set(self, change_set_name, stack_name)
        # moto keeps the outputs of the template the stack was made with (none, for a change
        # set's stack): read them off the template just applied.
        stack._parse_template()
        stack.output_map = stack._create_output_map()
    except ResourceFailed as failed:
        _resource_event(stack, failed.logical_id, failed.resource_type, f"{failed.operation}_FAILED", failed.reason)
        create = change_set.change_set_type == "CREATE"
        rollback = "ROLLBACK" if create else "UPDATE_ROLLBACK"
        stack._add_stack_event(f"{rollback}_IN_PROGRESS", resource_status_reason=str(failed))
        # Remove what this change set added; an update keeps what was there before.
        for logical_id, resource in list(stack.resource_map._parsed_resources.items()):
            if logical_id not in before and isinstance(resource, CloudFormationModel):
                try:
                    stack.resource_map._delete_resource(resource, change_set.template_dict["Resources"][logical_id])
                except Exception:  # noqa: BLE001 - best effort, as a rollback is
                    pass
                stack.resource_map._parsed_resources.pop(logical_id, None)
        if not create:
            stack.resource_map._resource_json_map = stack.template_dict["Resources"]
        stack._add_stack_event(f"{rollback}_COMPLETE")
        stack.status = f"{rollback}_COMPLETE"
        change_set.execution_status = "EXECUTE_FAILED"
        change_set.status_reason = str(failed)


cfn_models.CloudFormationBackend.execute_change_set = execute_change_set


if __name__ == "__main__":
    from moto.server import main

    main(sys.argv[1:])
