//! AgentCore memory (`AWS::BedrockAgentCore::Memory`): events, and the strategies that turn
//! them into long-term records.

use std::collections::BTreeMap;

use super::ids::Arn;
use super::role::Role;

/// An AgentCore memory: conversation events, kept for `event_expiry_days`, and the strategies
/// that extract long-term records from them.
///
/// ```
/// use hangar::prelude::*;
/// let app = App::new("svc")
///     .memory(Memory::new("chatMemory")
///         .event_expiry_days(90)
///         .strategy(Strategy::semantic("facts").namespace("/users/{actorId}/facts"))
///         .strategy(Strategy::summary("summaries").namespace("/sessions/{sessionId}")))
///     .agent(Agent::new("bot").image("123456789012.dkr.ecr.us-east-1.amazonaws.com/bot:1").memory("chatMemory"));
/// ```
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub struct Memory {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) event_expiry_days: u32,
    pub(crate) encryption_key: Option<Arn>,
    pub(crate) role: Option<Role>,
    pub(crate) strategies: Vec<Strategy>,
    pub(crate) indexed_keys: Vec<IndexedKey>,
    pub(crate) namespace_keys: Vec<NamespaceKey>,
    pub(crate) stream: Option<RecordStream>,
    pub(crate) tags: BTreeMap<String, String>,
}

/// How long memory events are kept unless told otherwise.
pub const DEFAULT_EVENT_EXPIRY_DAYS: u32 = 30;

impl Memory {
    /// A memory named `name` (its physical name is `<service>_<name>_<stage>`).
    pub fn new(name: impl Into<String>) -> Self {
        Memory {
            name: name.into(),
            description: None,
            event_expiry_days: DEFAULT_EVENT_EXPIRY_DAYS,
            encryption_key: None,
            role: None,
            strategies: Vec::new(),
            indexed_keys: Vec::new(),
            namespace_keys: Vec::new(),
            stream: None,
            tags: BTreeMap::new(),
        }
    }

    /// The name agents link to.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Days until events expire: 3-365 (default 30).
    pub fn event_expiry_days(mut self, days: u32) -> Self {
        self.event_expiry_days = days;
        self
    }

    /// A description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// `encryptionKey`: a KMS key ARN to encrypt the memory with (instead of an AWS-owned key).
    /// Linked agents get `kms:Decrypt` and `kms:GenerateDataKey` on exactly this key, through
    /// AgentCore only.
    pub fn encryption_key(mut self, key_arn: impl Into<Arn>) -> Self {
        self.encryption_key = Some(key_arn.into());
        self
    }

    /// The execution role strategies run with. By default hangar generates one when the memory
    /// has strategies: the AWS managed memory-inference policy, plus exactly the SNS topic,
    /// payload bucket and Kinesis stream this memory names.
    pub fn role(mut self, role: impl Into<Role>) -> Self {
        self.role = Some(role.into());
        self
    }

    /// Adds a strategy (semantic, summary, user preference, episodic or custom).
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategies.push(strategy);
        self
    }

    /// Adds a metadata key records are indexed by (1-10 keys).
    pub fn indexed_key(mut self, key: impl Into<String>, kind: MetadataType) -> Self {
        self.indexed_keys.push(IndexedKey { key: key.into(), kind });
        self
    }

    /// Adds a namespace variable (`{tenant}` in a namespace template), at most 5.
    pub fn namespace_key(mut self, key: NamespaceKey) -> Self {
        self.namespace_keys.push(key);
        self
    }

    /// Streams memory records to a Kinesis data stream (the generated role may put records
    /// into exactly this stream).
    pub fn stream(mut self, stream: RecordStream) -> Self {
        self.stream = Some(stream);
        self
    }

    /// A tag on the memory (over the App's tags).
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }

    /// Whether hangar generates the execution role: strategies or a stream need one, and a
    /// customized role is asked for; a given ARN is used as it is.
    pub(crate) fn generates_role(&self) -> bool {
        super::role::generates(self.role.as_ref(), !self.strategies.is_empty() || self.stream.is_some())
    }
}

/// A metadata key records are indexed by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedKey {
    pub(crate) key: String,
    pub(crate) kind: MetadataType,
}

/// The type of a metadata value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MetadataType {
    /// `STRING`.
    String,
    /// `STRINGLIST`.
    StringList,
    /// `NUMBER`.
    Number,
}

impl MetadataType {
    pub(crate) fn cfn_name(self) -> &'static str {
        match self {
            MetadataType::String => "STRING",
            MetadataType::StringList => "STRINGLIST",
            MetadataType::Number => "NUMBER",
        }
    }
}

/// A namespace variable, `{tenant}`, with the values it may take.
///
/// ```
/// use hangar::prelude::*;
/// let key = NamespaceKey::new("tenant").allowed_values(["acme", "globex"]);
/// ```
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceKey {
    pub(crate) key: String,
    pub(crate) allowed_values: Vec<String>,
    pub(crate) regex: Option<String>,
}

impl NamespaceKey {
    /// A variable named `key`: lowercase letters and digits, not `actorId`, `sessionId` or
    /// `memoryStrategyId` (those are built in).
    pub fn new(key: impl Into<String>) -> Self {
        NamespaceKey { key: key.into(), allowed_values: Vec::new(), regex: None }
    }

    /// The values it may take (1-10).
    pub fn allowed_values<S: Into<String>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
        self.allowed_values = values.into_iter().map(Into::into).collect();
        self
    }

    /// A regular expression its values must match (1-64 characters).
    pub fn regex(mut self, pattern: impl Into<String>) -> Self {
        self.regex = Some(pattern.into());
        self
    }
}

/// Where memory records are streamed: a Kinesis data stream.
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordStream {
    pub(crate) stream_arn: Arn,
    pub(crate) full_content: bool,
}

impl RecordStream {
    /// Record metadata only, to the Kinesis data stream `arn`.
    pub fn kinesis(arn: impl Into<Arn>) -> Self {
        RecordStream { stream_arn: arn.into(), full_content: false }
    }

    /// The records' full content, not only their metadata.
    pub fn full_content(mut self) -> Self {
        self.full_content = true;
        self
    }
}

/// A memory strategy: how events become long-term records.
///
/// ```
/// use hangar::prelude::*;
/// let prefs = Strategy::user_preference("prefs").namespace("/users/{actorId}/preferences");
/// let episodes = Strategy::episodic("episodes")
///     .namespace("/episodes/{actorId}/{sessionId}")
///     .reflection(Reflection::new().namespace("/episodes/{actorId}"));
/// let tuned = Strategy::custom("tuned", Custom::semantic()
///     .extraction("anthropic.claude-3-haiku-20240307-v1:0", "Only keep facts about travel."));
/// ```
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub struct Strategy {
    pub(crate) name: String,
    pub(crate) kind: StrategyKind,
    pub(crate) description: Option<String>,
    pub(crate) namespaces: Vec<String>,
    pub(crate) namespace_templates: Vec<String>,
    pub(crate) record_schema: Vec<RecordField>,
    pub(crate) record_expiry_days: Option<u32>,
    pub(crate) reflection: Option<Reflection>,
}

/// What a strategy does.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[allow(clippy::large_enum_variant)] // configuration, made once per App: size does not matter
pub enum StrategyKind {
    /// Facts, found again by similarity.
    Semantic,
    /// Session summaries.
    Summary,
    /// User preferences.
    UserPreference,
    /// Episodes, and reflections across them ([`Strategy::reflection`]).
    Episodic,
    /// A built-in strategy with its prompts or model overridden, or a self-managed one.
    Custom(Custom),
}

impl Strategy {
    fn new(name: impl Into<String>, kind: StrategyKind) -> Self {
        Strategy {
            name: name.into(),
            kind,
            description: None,
            namespaces: Vec::new(),
            namespace_templates: Vec::new(),
            record_schema: Vec::new(),
            record_expiry_days: None,
            reflection: None,
        }
    }

    /// `SemanticMemoryStrategy`.
    pub fn semantic(name: impl Into<String>) -> Self {
        Strategy::new(name, StrategyKind::Semantic)
    }

    /// `SummaryMemoryStrategy`.
    pub fn summary(name: impl Into<String>) -> Self {
        Strategy::new(name, StrategyKind::Summary)
    }

    /// `UserPreferenceMemoryStrategy`.
    pub fn user_preference(name: impl Into<String>) -> Self {
        Strategy::new(name, StrategyKind::UserPreference)
    }

    /// `EpisodicMemoryStrategy`.
    pub fn episodic(name: impl Into<String>) -> Self {
        Strategy::new(name, StrategyKind::Episodic)
    }

    /// `CustomMemoryStrategy`.
    pub fn custom(name: impl Into<String>, config: Custom) -> Self {
        Strategy::new(name, StrategyKind::Custom(config))
    }

    /// A description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Adds a namespace records are stored under, `/users/{actorId}/facts`.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespaces.push(namespace.into());
        self
    }

    /// Adds a namespace template (with the memory's own namespace keys, `/{tenant}/facts`).
    pub fn namespace_template(mut self, template: impl Into<String>) -> Self {
        self.namespace_templates.push(template.into());
        self
    }

    /// Adds a metadata field of the records (1-20 fields).
    pub fn record_field(mut self, field: RecordField) -> Self {
        self.record_schema.push(field);
        self
    }

    /// Days until records expire (at least 31).
    pub fn record_expiry_days(mut self, days: u32) -> Self {
        self.record_expiry_days = Some(days);
        self
    }

    /// The episodic strategy's reflection (for [`Strategy::episodic`]; validation reports it on
    /// any other kind).
    pub fn reflection(mut self, reflection: Reflection) -> Self {
        self.reflection = Some(reflection);
        self
    }
}

/// Reflection across episodes: where reflections are stored and their schema.
#[must_use]
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reflection {
    pub(crate) namespaces: Vec<String>,
    pub(crate) namespace_templates: Vec<String>,
    pub(crate) record_schema: Vec<RecordField>,
}

impl Reflection {
    /// A reflection; give it at least one namespace or namespace template.
    pub fn new() -> Self {
        Reflection::default()
    }

    /// Adds a namespace reflections are stored under.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespaces.push(namespace.into());
        self
    }

    /// Adds a namespace template.
    pub fn namespace_template(mut self, template: impl Into<String>) -> Self {
        self.namespace_templates.push(template.into());
        self
    }

    /// Adds a metadata field of the reflections.
    pub fn record_field(mut self, field: RecordField) -> Self {
        self.record_schema.push(field);
        self
    }
}

/// A prompt addition and the model that runs it, for one step of a custom strategy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepOverride {
    pub(crate) model_id: String,
    pub(crate) append_to_prompt: String,
}

/// The configuration of a custom strategy: a built-in one with its steps overridden, or one
/// your own code runs (self-managed).
///
/// ```
/// use hangar::prelude::*;
/// let own = Custom::self_managed(SelfManaged::new()
///     .message_count(10)
///     .topic("arn:aws:sns:us-east-1:123456789012:memory-jobs")
///     .payload_bucket("my-memory-payloads"));
/// ```
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub struct Custom {
    pub(crate) base: CustomBase,
    pub(crate) extraction: Option<StepOverride>,
    pub(crate) consolidation: Option<StepOverride>,
    pub(crate) reflection: Option<ReflectionOverride>,
    pub(crate) self_managed: Option<SelfManaged>,
}

/// The built-in strategy a custom one overrides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CustomBase {
    /// `SemanticOverride`: extraction and consolidation.
    Semantic,
    /// `SummaryOverride`: consolidation.
    Summary,
    /// `UserPreferenceOverride`: extraction and consolidation.
    UserPreference,
    /// `EpisodicOverride`: extraction, consolidation and reflection.
    Episodic,
    /// `SelfManagedConfiguration`.
    SelfManaged,
}

impl CustomBase {
    pub(crate) fn has_extraction(self) -> bool {
        matches!(self, CustomBase::Semantic | CustomBase::UserPreference | CustomBase::Episodic)
    }

    pub(crate) fn cfn_name(self) -> &'static str {
        match self {
            CustomBase::Semantic => "SemanticOverride",
            CustomBase::Summary => "SummaryOverride",
            CustomBase::UserPreference => "UserPreferenceOverride",
            CustomBase::Episodic => "EpisodicOverride",
            CustomBase::SelfManaged => "SelfManagedConfiguration",
        }
    }
}

impl Custom {
    fn base(base: CustomBase) -> Self {
        Custom { base, extraction: None, consolidation: None, reflection: None, self_managed: None }
    }

    /// Overrides the semantic strategy's steps.
    pub fn semantic() -> Self {
        Custom::base(CustomBase::Semantic)
    }

    /// Overrides the summary strategy's consolidation.
    pub fn summary() -> Self {
        Custom::base(CustomBase::Summary)
    }

    /// Overrides the user preference strategy's steps.
    pub fn user_preference() -> Self {
        Custom::base(CustomBase::UserPreference)
    }

    /// Overrides the episodic strategy's steps.
    pub fn episodic() -> Self {
        Custom::base(CustomBase::Episodic)
    }

    /// A strategy your code runs: AgentCore notifies an SNS topic when a trigger fires.
    pub fn self_managed(config: SelfManaged) -> Self {
        Custom { self_managed: Some(config), ..Custom::base(CustomBase::SelfManaged) }
    }

    /// The extraction step: a Bedrock model ID and text appended to its prompt (1-30000
    /// characters). Not for summary strategies.
    pub fn extraction(mut self, model_id: impl Into<String>, append_to_prompt: impl Into<String>) -> Self {
        self.extraction = Some(StepOverride { model_id: model_id.into(), append_to_prompt: append_to_prompt.into() });
        self
    }

    /// The consolidation step: a Bedrock model ID and text appended to its prompt.
    pub fn consolidation(mut self, model_id: impl Into<String>, append_to_prompt: impl Into<String>) -> Self {
        self.consolidation =
            Some(StepOverride { model_id: model_id.into(), append_to_prompt: append_to_prompt.into() });
        self
    }

    /// The reflection step of an episodic override.
    pub fn reflection(mut self, reflection: ReflectionOverride) -> Self {
        self.reflection = Some(reflection);
        self
    }
}

/// The reflection step of an episodic override: its prompt and model, and where reflections go.
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub struct ReflectionOverride {
    pub(crate) step: StepOverride,
    pub(crate) target: Reflection,
}

impl ReflectionOverride {
    /// Runs `model_id` with `append_to_prompt` added, storing reflections as `target` says.
    pub fn new(model_id: impl Into<String>, append_to_prompt: impl Into<String>, target: Reflection) -> Self {
        ReflectionOverride {
            step: StepOverride { model_id: model_id.into(), append_to_prompt: append_to_prompt.into() },
            target,
        }
    }
}

/// A self-managed strategy: when to notify your code, and where.
#[must_use]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SelfManaged {
    pub(crate) triggers: Vec<Trigger>,
    pub(crate) history: Option<u32>,
    pub(crate) topic: Option<Arn>,
    pub(crate) payload_bucket: Option<String>,
}

/// When a self-managed strategy is notified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Trigger {
    /// After this many messages (1-50).
    MessageCount(u32),
    /// After a session has been idle this many seconds (10-3000).
    IdleSeconds(u32),
    /// After this many tokens (100-500000).
    TokenCount(u32),
}

impl SelfManaged {
    /// No triggers yet: give at least one.
    pub fn new() -> Self {
        SelfManaged::default()
    }

    /// Notify after this many messages (1-50).
    pub fn message_count(mut self, n: u32) -> Self {
        self.triggers.push(Trigger::MessageCount(n));
        self
    }

    /// Notify after a session has been idle this many seconds (10-3000).
    pub fn idle_seconds(mut self, n: u32) -> Self {
        self.triggers.push(Trigger::IdleSeconds(n));
        self
    }

    /// Notify after this many tokens (100-500000).
    pub fn token_count(mut self, n: u32) -> Self {
        self.triggers.push(Trigger::TokenCount(n));
        self
    }

    /// How many earlier events each notification carries (0-50).
    pub fn history(mut self, events: u32) -> Self {
        self.history = Some(events);
        self
    }

    /// The SNS topic notified (the generated role may publish to exactly this topic).
    pub fn topic(mut self, arn: impl Into<Arn>) -> Self {
        self.topic = Some(arn.into());
        self
    }

    /// The S3 bucket payloads are written to (the generated role may write to exactly it).
    pub fn payload_bucket(mut self, bucket: impl Into<String>) -> Self {
        self.payload_bucket = Some(bucket.into());
        self
    }
}

/// One metadata field of a strategy's records.
///
/// ```
/// use hangar::prelude::*;
/// let priority = RecordField::string("priority")
///     .llm("How urgent the request is")
///     .allowed_values(["low", "normal", "high"]);
/// let score = RecordField::number("score").strictly_consistent().range(0.0, 10.0);
/// ```
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub struct RecordField {
    pub(crate) key: String,
    pub(crate) kind: MetadataType,
    pub(crate) strictly_consistent: bool,
    pub(crate) definition: Option<String>,
    pub(crate) instruction: Option<String>,
    pub(crate) allowed_values: Vec<String>,
    pub(crate) max_items: Option<u32>,
    pub(crate) range: Option<(f64, f64)>,
}

impl RecordField {
    fn new(key: impl Into<String>, kind: MetadataType) -> Self {
        RecordField {
            key: key.into(),
            kind,
            strictly_consistent: false,
            definition: None,
            instruction: None,
            allowed_values: Vec::new(),
            max_items: None,
            range: None,
        }
    }

    /// A `STRING` field.
    pub fn string(key: impl Into<String>) -> Self {
        RecordField::new(key, MetadataType::String)
    }

    /// A `STRINGLIST` field.
    pub fn string_list(key: impl Into<String>) -> Self {
        RecordField::new(key, MetadataType::StringList)
    }

    /// A `NUMBER` field.
    pub fn number(key: impl Into<String>) -> Self {
        RecordField::new(key, MetadataType::Number)
    }

    /// `STRICTLY_CONSISTENT` extraction (default `LLM_INFERRED`).
    pub fn strictly_consistent(mut self) -> Self {
        self.strictly_consistent = true;
        self
    }

    /// The model infers the value from this definition (1-1000 characters).
    pub fn llm(mut self, definition: impl Into<String>) -> Self {
        self.definition = Some(definition.into());
        self
    }

    /// An extra instruction for the inference (1-1000 characters; needs [`RecordField::llm`]).
    pub fn instruction(mut self, instruction: impl Into<String>) -> Self {
        self.instruction = Some(instruction.into());
        self
    }

    /// The values a string or string-list field may take (1-10).
    pub fn allowed_values<S: Into<String>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
        self.allowed_values = values.into_iter().map(Into::into).collect();
        self
    }

    /// At most this many items in a string-list field (1-5).
    pub fn max_items(mut self, n: u32) -> Self {
        self.max_items = Some(n);
        self
    }

    /// The range of a number field.
    pub fn range(mut self, min: f64, max: f64) -> Self {
        self.range = Some((min, max));
        self
    }
}
