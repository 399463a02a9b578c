//! A deterministic stand-in for a Python agent with vendored dependencies (a LangGraph agent
//! is ~6,000 files, ~150 MB): Python sources, compiled extensions, data files, and
//! already-compressed files, in a site-packages layout. The same seed gives the same tree,
//! byte for byte; every file gets the same fixed mtime.
//!
//! By bytes: ~50% shared objects (deflate to ~35%), ~28% Python source (~25%), ~10% JSON data
//! (~28%), ~12% incompressible (`.png`, `.whl`, `.gz`), like a real vendored agent tree.

#![allow(dead_code)]

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub files: usize,
    pub bytes: u64,
    pub seed: u64,
}

/// The realistic agent tree of the targets: ~6,000 files, ~150 MB.
pub const AGENT: Spec = Spec { files: 6000, bytes: 150 << 20, seed: 42 };

/// What was generated.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stats {
    pub files: usize,
    pub bytes: u64,
}

/// xorshift64*: small, fast, and the same everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// A size between `lo` and `hi`, skewed towards `lo` (most files are small).
    fn skewed(&mut self, lo: u64, hi: u64) -> u64 {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        lo + ((hi - lo) as f64 * u * u * u) as u64
    }

    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const KEYWORDS: &[&str] = &[
    "def", "return", "if", "elif", "else", "for", "in", "while", "import", "from", "class", "try", "except", "with",
    "as", "yield", "lambda", "not", "and", "or", "is", "None", "True", "False", "self", "async", "await", "raise",
];
const WORDS: &[&str] = &[
    "state",
    "node",
    "graph",
    "edge",
    "message",
    "config",
    "value",
    "result",
    "client",
    "request",
    "response",
    "schema",
    "field",
    "model",
    "token",
    "chunk",
    "stream",
    "callback",
    "handler",
    "context",
    "session",
    "error",
    "data",
    "items",
    "index",
    "name",
    "path",
    "type",
    "kwargs",
    "args",
    "default",
    "options",
    "cache",
    "buffer",
    "tool",
    "agent",
    "memory",
    "prompt",
    "output",
    "input",
    "runnable",
    "checkpoint",
    "channel",
    "store",
    "key",
];
const SYLLABLES: &[&str] = &["ka", "lo", "mi", "ra", "ne", "to", "vi", "su", "de", "ph", "qu", "ex", "an", "or", "ul"];

fn identifier(r: &mut Rng) -> String {
    let mut s = String::new();
    for i in 0..(1 + r.below(3)) {
        if i > 0 {
            s.push('_');
        }
        if r.below(4) == 0 {
            for _ in 0..(2 + r.below(3)) {
                s.push_str(r.pick(SYLLABLES));
            }
        } else {
            s.push_str(r.pick(WORDS));
        }
    }
    s
}

fn python_source(r: &mut Rng, size: u64) -> Vec<u8> {
    // Modules repeat themselves: the same calls, checks and docstrings come back, as in real
    // code (~4.5x with deflate).
    let pool: Vec<String> = (0..40).map(|_| python_line(r, 1)).collect();
    let mut out = String::with_capacity(size as usize + 200);
    out.push_str("# Generated module: a stand-in for vendored Python code.\nfrom __future__ import annotations\n\n");
    let mut indent = 0usize;
    while (out.len() as u64) < size {
        match r.below(10) {
            0 => {
                out.push_str(&format!(
                    "\n\nclass {}({}):\n",
                    identifier(r).to_uppercase(),
                    r.pick(&["object", "Base", "Protocol"])
                ));
                out.push_str(&format!(
                    "    \"\"\"{} the {} of a {}.\"\"\"\n",
                    r.pick(WORDS),
                    identifier(r),
                    r.pick(WORDS)
                ));
                indent = 1;
            }
            1 | 2 => {
                indent = indent.clamp(0, 1);
                out.push_str(&format!(
                    "\n{}def {}(self, {}: {} = {}, **{}) -> {}:\n",
                    "    ".repeat(indent),
                    identifier(r),
                    identifier(r),
                    r.pick(&["int", "str", "dict", "list[str]", "Any", "Optional[str]"]),
                    r.pick(&["None", "0", "''", "()", "{}"]),
                    r.pick(WORDS),
                    r.pick(&["None", "bool", "dict[str, Any]", "Iterator[str]"])
                ));
                indent += 1;
            }
            3 => out.push_str(&format!(
                "{}# {} {} {} {}\n",
                "    ".repeat(indent),
                r.pick(WORDS),
                r.pick(KEYWORDS),
                identifier(r),
                r.below(10_000)
            )),
            4 => out.push_str(&format!(
                "{}if {} {} {}:\n{}    return {}\n",
                "    ".repeat(indent),
                identifier(r),
                r.pick(&["is", "==", "!=", "in", "not in"]),
                r.pick(&["None", "0", "self._cache", "'done'"]),
                "    ".repeat(indent),
                identifier(r)
            )),
            5 | 6 => out.push_str(&python_line(r, indent)),
            _ => {
                let line = &pool[r.below(pool.len() as u64) as usize];
                out.push_str(&"    ".repeat(indent.saturating_sub(1)));
                out.push_str(line);
            }
        }
    }
    out.into_bytes()
}

fn python_line(r: &mut Rng, indent: usize) -> String {
    format!(
        "{}{} = {}.{}({}, {}={})\n",
        "    ".repeat(indent),
        identifier(r),
        r.pick(&["self", "cls", "client", "graph", "state"]),
        identifier(r),
        identifier(r),
        r.pick(WORDS),
        r.below(1000)
    )
}

/// Machine code repeats idioms (prologues, stubs, tables) and pads with zeros: real extension
/// modules deflate to ~30%. Code here is basic blocks from a per-file library, lightly mutated.
fn shared_object(r: &mut Rng, size: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(size as usize);
    out.extend_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
    let blocks: Vec<Vec<u8>> = (0..256).map(|_| (0..(8 + r.below(24)) * 4).map(|_| r.next() as u8).collect()).collect();
    while (out.len() as u64) < size {
        match r.below(20) {
            0 | 1 => out.extend(std::iter::repeat_n(0u8, 64 + r.below(1024) as usize)),
            2 | 3 => {
                for _ in 0..(8 + r.below(32)) {
                    out.extend_from_slice(b"_ZN");
                    out.extend_from_slice(identifier(r).as_bytes());
                    out.push(0);
                }
            }
            4 => {
                for _ in 0..(16 + r.below(64)) {
                    out.push(r.next() as u8);
                }
            }
            _ => {
                let block = &blocks[r.below(blocks.len() as u64) as usize];
                let start = out.len();
                out.extend_from_slice(block);
                // A register or an offset differs here and there.
                for _ in 0..(block.len() / 24) {
                    let i = start + r.below(block.len() as u64) as usize;
                    out[i] = r.next() as u8;
                }
            }
        }
    }
    out.truncate(size as usize);
    out
}

fn data_file(r: &mut Rng, size: u64) -> Vec<u8> {
    let mut out = String::from("{\n");
    while (out.len() as u64) < size {
        out.push_str(&format!(
            "  \"{}\": {{\"{}\": {}, \"{}\": \"{}\"}},\n",
            identifier(r),
            r.pick(WORDS),
            r.below(1 << 20),
            r.pick(WORDS),
            identifier(r)
        ));
    }
    out.push_str("}\n");
    out.into_bytes()
}

fn random_bytes(r: &mut Rng, size: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(size as usize + 8);
    while (out.len() as u64) < size {
        out.extend_from_slice(&r.next().to_le_bytes());
    }
    out.truncate(size as usize);
    out
}

/// The fixed mtime of every generated file (2024-01-01).
pub fn fixed_mtime() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_067_200)
}

/// Writes the tree under `root` (which should be empty).
pub fn generate(root: &Path, spec: Spec) -> io::Result<Stats> {
    let mut r = Rng::new(spec.seed);
    let mut stats = Stats::default();
    let packages = (spec.files / 60).max(1);
    // Byte budgets per kind, and file counts per kind.
    // Shaped after a real vendored LangGraph + Strands agent (6,300 files, 173 MB): a few dozen
    // large extension modules hold half the bytes; thousands of small sources and data files,
    // and about a thousand small already-compressed files, the rest.
    let n_so = (spec.files / 150).max(1);
    let n_blob = (spec.files / 6).max(1);
    let n_data = (spec.files / 6).max(1);
    let n_py = spec.files.saturating_sub(n_so + n_blob + n_data).max(1);
    let kinds: [(usize, u64, &str, u64); 4] = [
        (n_py, spec.bytes * 28 / 100, "py", 4),
        (n_so, spec.bytes * 50 / 100, "so", 12),
        (n_data, spec.bytes * 10 / 100, "json", 4),
        (n_blob, spec.bytes * 12 / 100, "blob", 4),
    ];
    let mut write = |rel: PathBuf, content: &[u8], executable: bool| -> io::Result<()> {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().expect("generated paths have a parent"))?;
        let mut f = fs::File::create(&path)?;
        f.write_all(content)?;
        if executable {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(fs::Permissions::from_mode(0o755))?;
        }
        f.set_modified(fixed_mtime())?;
        stats.files += 1;
        stats.bytes += content.len() as u64;
        Ok(())
    };
    for (count, budget, kind, spread) in kinds {
        // `skewed(lo, hi)` averages lo + (hi - lo) / 4: scale so the kind's total meets its budget.
        let mean = (budget as f64 / count as f64 / (0.125 + (spread as f64 - 0.125) / 4.0)) as u64;
        for i in 0..count {
            let pkg = r.below(packages as u64);
            let size = r.skewed(mean / 8, mean * spread).max(16);
            let dir = PathBuf::from(format!("pkg{pkg:03}")).join(match r.below(3) {
                0 => String::new(),
                1 => format!("sub{}", r.below(6)),
                _ => format!("sub{}/inner{}", r.below(6), r.below(4)),
            });
            let (name, content, executable) = match kind {
                "py" => (format!("{}_{i}.py", identifier(&mut r)), python_source(&mut r, size), false),
                "so" => (
                    format!("_{}_{i}.cpython-313-aarch64-linux-gnu.so", identifier(&mut r)),
                    shared_object(&mut r, size),
                    true,
                ),
                "json" => (format!("{}_{i}.json", identifier(&mut r)), data_file(&mut r, size), false),
                _ => {
                    let ext = r.pick(&["png", "whl", "gz", "bin"]);
                    (format!("{}_{i}.{ext}", identifier(&mut r)), random_bytes(&mut r, size), false)
                }
            };
            write(dir.join(name), &content, executable)?;
        }
    }
    write(PathBuf::from("agent.py"), b"from pkg000 import *\n\nprint('agent')\n", false)?;
    Ok(stats)
}

/// The corpus for `spec` in `dir/<seed>-<files>-<bytes>`, generated once and reused.
pub fn cached(dir: &Path, spec: Spec) -> io::Result<PathBuf> {
    let root = dir.join(format!("corpus-{}-{}-{}", spec.seed, spec.files, spec.bytes));
    let done = dir.join(format!("corpus-{}-{}-{}.done", spec.seed, spec.files, spec.bytes));
    if done.exists() {
        return Ok(root);
    }
    if root.exists() {
        fs::remove_dir_all(&root)?;
    }
    fs::create_dir_all(&root)?;
    generate(&root, spec)?;
    fs::write(done, b"")?;
    Ok(root)
}
