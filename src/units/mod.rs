//! The apply units stage: what is applied together (`docs/decisions/apply-units.md`).
//!
//! Between discovery and the per-file stage: from the list of files alone
//! (and the text of the few kustomization files), it says which files are
//! applied as one unit and in what role. An object belongs to the model of a
//! cluster only as part of a unit:
//!
//! - [`UnitKind::Kustomize`]: a Kustomize root's build. A root is a
//!   kustomization that no other kustomization includes (`resources`, `bases`,
//!   `components`); the files its chain of kustomizations lists as resources
//!   are its objects, with the namespace kustomize sets (the outermost
//!   `namespace:` on the way from the root); kustomization files, patch files
//!   and transformer configurations are inputs, never objects of their own.
//!   A base included by two roots is a member of both, once per root.
//! - [`UnitKind::HelmChart`]: a folder with `Chart.yaml` that is not inside
//!   another chart. Its templates are not objects until rendered; its `crds/`
//!   are applied as they are; the rest (values, `Chart.yaml`) are inputs.
//! - [`UnitKind::Plain`]: the manifest files of one folder outside every
//!   kustomization and chart, as `kubectl apply -f folder/` applies them.
//!
//! A file beside a kustomization that no kustomization lists is applied by
//! nobody (`kubectl apply -k` builds the folder, it does not read it): it
//! belongs to no unit and is listed by [`ApplyUnits::is_unapplied`].
//!
//! The rendering stage replaces a unit's objects with its build's output:
//! [`ApplyUnits::mark_rendered`] makes a unit's own member files contribute no
//! objects, and a per-file result whose `unit` names the unit
//! (`parsed::FileResult::unit`) supplies the rendered ones.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::manifest::kustomization::{self, Kustomization};
use crate::yaml::{self, Limits, Node};

/// Index into [`ApplyUnits::units`]; stable for one run.
pub type UnitId = usize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UnitKind {
    /// A Kustomize root's build.
    Kustomize,
    /// A Helm chart (not a dependency inside another chart's `charts/`).
    HelmChart,
    /// The plain manifest files of one folder.
    Plain,
}

impl UnitKind {
    /// How a message names it.
    pub fn describe(self) -> &'static str {
        match self {
            UnitKind::Kustomize => "kustomization",
            UnitKind::HelmChart => "Helm chart",
            UnitKind::Plain => "folder",
        }
    }
}

/// What a file is to a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Its documents are objects of the unit: a kustomize resource, a plain
    /// file, a chart's `crds/` file.
    Resource,
    /// A kustomize patch (any form): partial objects that change the unit's
    /// resources, never objects of their own.
    Patch,
    /// A chart template: objects only once rendered.
    Template,
    /// Read to build the unit, applied by nobody: kustomization files,
    /// transformer and generator configurations, `Chart.yaml`, values files.
    Input,
}

/// One file of a unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// Relative to the project root, as discovery names it.
    pub file: Arc<str>,
    pub role: Role,
    /// For a kustomize resource: what the kustomizations on the way set for
    /// its objects, when one sets something (shared by every resource below
    /// them: one pointer per member, which every file of a project is).
    pub set: Option<Arc<Kustomized>>,
}

impl Member {
    /// The namespace kustomize gives the member's namespaced objects
    /// (overriding their own).
    pub fn namespace(&self) -> Option<&Arc<str>> {
        self.set.as_ref()?.namespace.as_ref()
    }
}

/// What kustomize does to the objects of a resource, from the kustomizations
/// on the way from the root.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Kustomized {
    /// The outermost `namespace:` (an overlay's wins over its base's).
    pub namespace: Option<Arc<str>>,
    /// The prefix and suffix added to the objects' names, if any.
    pub affixes: Option<NameAffixes>,
    /// The objects, as (kind, name written), a `$patch: delete` patch removes.
    pub deleted: Vec<(String, String)>,
}

impl Kustomized {
    /// What `k` sets inside what the kustomizations including it set
    /// (`outer`); `None` when nothing is set.
    fn within(outer: Option<&Arc<Kustomized>>, k: &Kustomization) -> Option<Arc<Kustomized>> {
        let own = k.namespace.as_ref().map(|t| Arc::from(t.value.as_str()));
        let affixed = !(k.name_prefix.is_empty() && k.name_suffix.is_empty());
        if own.is_none() && !affixed && k.deletes.is_empty() {
            return outer.cloned();
        }
        let outer = outer.map(AsRef::as_ref);
        let namespace = outer.and_then(|o| o.namespace.clone()).or(own);
        let affixes = NameAffixes::within(
            outer.and_then(|o| o.affixes.as_ref()),
            &k.name_prefix,
            &k.name_suffix,
        );
        let mut deleted = outer.map(|o| o.deleted.clone()).unwrap_or_default();
        deleted.extend(k.deletes.iter().cloned());
        let set = Kustomized {
            namespace,
            affixes,
            deleted,
        };
        (set != Kustomized::default()).then(|| Arc::new(set))
    }
}

/// The prefix and suffix kustomize adds to the names of a resource's objects:
/// every `namePrefix` and `nameSuffix` on the way from the root, an including
/// kustomization's outside an included one's (`b-a-name-x-y`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct NameAffixes {
    pub prefix: String,
    pub suffix: String,
}

impl NameAffixes {
    /// `outer`'s affixes around this kustomization's own, if any is set.
    fn within(outer: Option<&NameAffixes>, prefix: &str, suffix: &str) -> Option<NameAffixes> {
        if prefix.is_empty() && suffix.is_empty() {
            return outer.cloned();
        }
        let (outer_prefix, outer_suffix) =
            outer.map_or(("", ""), |o| (o.prefix.as_str(), o.suffix.as_str()));
        Some(NameAffixes {
            prefix: format!("{outer_prefix}{prefix}"),
            suffix: format!("{suffix}{outer_suffix}"),
        })
    }

    /// `name` as kustomize writes it.
    pub fn apply(&self, name: &str) -> String {
        format!("{}{name}{}", self.prefix, self.suffix)
    }
}

#[derive(Clone, Debug)]
pub struct ApplyUnit {
    pub kind: UnitKind,
    /// The folder the unit is built or applied from, relative to the project
    /// root (`""` for the root itself): the root kustomization's folder, the
    /// chart's folder, the plain files' folder.
    pub root: Arc<str>,
    /// The file that defines it: the root kustomization or `Chart.yaml`
    /// (`None` for a folder of plain files).
    pub entry: Option<Arc<str>>,
    /// Its files, in path order, each once.
    pub members: Vec<Member>,
    /// A rendering stage replaced its objects with its build's output
    /// ([`ApplyUnits::mark_rendered`]): its members' own objects are dropped.
    pub rendered: bool,
    /// Its build failed (a DVM004 says so, [`ApplyUnits::mark_failed`]):
    /// nothing is applied through it.
    pub failed: bool,
}

impl ApplyUnit {
    /// `kustomization overlays/prod`, `Helm chart charts/shop`, `folder apps/web`.
    pub fn describe(&self) -> String {
        let root = if self.root.is_empty() {
            "."
        } else {
            &self.root
        };
        format!("{} `{root}`", self.kind.describe())
    }
}

/// Folder names that make the plain files below them units of their own:
/// Go's `testdata` (test inputs, never applied as a folder), and the
/// collections of samples, examples and recipes (an operator's
/// `config/samples`, a product's `docs/samples` or `config/recipes`: each
/// file one sample, applied with its own `kubectl apply -f`, carrying its
/// own copy of the Secret or the dashboard it needs).
const EACH_FILE_ALONE: [&str; 5] = ["testdata", "_testdata", "samples", "examples", "recipes"];

/// Whether `file` (a path from the project) lies below a `testdata` folder
/// (or `_testdata`, which the go tool ignores as well): Go's test inputs,
/// which the go tool never builds and each test reads on its own, never a
/// folder anyone applies to a cluster. Each such file is a
/// unit alone ([`EACH_FILE_ALONE`]); DVM402 does not read them (a
/// placeholder in a test's input is the test's, not one left in a manifest:
/// docs/decisions/placeholders-a-program-replaces.md).
pub fn is_test_input(file: &str) -> bool {
    file.split('/').rev().skip(1).any(|folder| {
        let folder = folder.strip_prefix('_').unwrap_or(folder);
        folder.eq_ignore_ascii_case("testdata")
    })
}

/// Folders of a policy engine's tests (Kyverno's `.kyverno-test`, Kyverno
/// Chainsaw's `.chainsaw-test`), and the files that make a folder one: their
/// manifests are a test's inputs, often written to be refused, applied one
/// step at a time or never (the Kyverno CLI reads them): applied by no one
/// as a folder, so not modelled (their document rules still run).
const POLICY_TEST_DIRS: [&str; 2] = [".chainsaw-test", ".kyverno-test"];
const POLICY_TEST_FILES: [&str; 4] = [
    "chainsaw-test.yaml",
    "chainsaw-test.yml",
    "kyverno-test.yaml",
    "kyverno-test.yml",
];

/// A KUTTL test step's assertion or error file (`00-assert.yaml`,
/// `01-errors.yml`, `02-assert-ready.yaml`: KUTTL reads a step file whose
/// name after the index starts with `assert` or `errors` as the state it
/// waits for, or must not see): never applied. Its
/// folder is one test case, whose numbered steps the harness applies one
/// after another into a namespace of its own, each a patch of what the
/// earlier ones made: not a folder anyone applies.
fn is_kuttl_assertion(name: &str) -> bool {
    let Some(stem) = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
    else {
        return false;
    };
    let Some((index, step)) = stem.split_once('-') else {
        return false;
    };
    !index.is_empty()
        && index.bytes().all(|b| b.is_ascii_digit())
        && (step.starts_with("assert") || step.starts_with("errors"))
}

/// A test's expected output, by its name: `clustergroup-normal.expected.yaml`,
/// `deployment.golden.yaml`, `output-expected.yml`, `expected.yaml` (what a
/// test compares a render or a transformation with, a golden file): written
/// by a tool, compared, never applied. Its objects are not modelled, and a
/// syntax error in it (repeating its source's) is an info
/// (`rules::input::yaml_syntax::finding`).
pub fn is_expected_output(name: &str) -> bool {
    // (Asked of every plain file: no allocation, case folded byte by byte.)
    let strip = |text: &[u8], suffix: &str| -> Option<usize> {
        let cut = text.len().checked_sub(suffix.len())?;
        text.get(cut..)?
            .eq_ignore_ascii_case(suffix.as_bytes())
            .then_some(cut)
    };
    let bytes = name.as_bytes();
    let Some(stem) = [".yaml", ".yml", ".json"]
        .iter()
        .find_map(|ext| strip(bytes, ext))
        .and_then(|cut| bytes.get(..cut))
    else {
        return false;
    };
    // Nearly every name is out at its stem's last letter.
    if !matches!(stem.last(), Some(b'd' | b'D' | b'n' | b'N')) {
        return false;
    }
    ["expected", "golden"].iter().any(|word| {
        strip(stem, word)
            .and_then(|cut| stem.get(..cut))
            .is_some_and(|before| {
                before.is_empty()
                    || before.ends_with(b".")
                    || before.ends_with(b"-")
                    || before.ends_with(b"_")
            })
    })
}

/// Every unit of the project, and the way from a file to its units.
#[derive(Clone, Debug, Default)]
pub struct ApplyUnits {
    units: Vec<ApplyUnit>,
    /// Per membership: (unit, index into its members), sorted by the
    /// member's file, then unit and index: a file's memberships are one run
    /// of it, found by binary search. Eight bytes a membership (a map of
    /// vectors cost about 200 bytes a file: docs/performance.md).
    by_file: Vec<(u32, u32)>,
    /// Files in a kustomization's folder that no kustomization lists.
    unapplied: BTreeSet<Arc<str>>,
}

impl ApplyUnits {
    /// The units of `files` (relative paths, as discovery names them; any
    /// order). `read` returns a file's text (an editor buffer or the disk); it
    /// is asked only for kustomization files.
    pub fn discover(files: &[Arc<str>], read: &dyn Fn(&str) -> Option<String>) -> ApplyUnits {
        ApplyUnits::discover_ranked(files, read).0
    }

    /// [`ApplyUnits::discover`], with each listed file's rank: `ranks[i]` is
    /// the place of `files[i]` among the distinct files in path order (a file
    /// listed twice has one rank). The lint sorts the per-file results by
    /// these integers instead of comparing their paths again, each of which
    /// reads two paths far apart in memory.
    pub fn discover_ranked(
        files: &[Arc<str>],
        read: &dyn Fn(&str) -> Option<String>,
    ) -> (ApplyUnits, Vec<u32>) {
        let (files, ranks) = sorted_with_ranks(files);
        let units = ApplyUnits::discover_sorted(files, read);
        (units, ranks)
    }

    /// The units of `files`, sorted and without repeats.
    fn discover_sorted(files: Vec<Arc<str>>, read: &dyn Fn(&str) -> Option<String>) -> ApplyUnits {
        let known = Known(&files);
        let kustomizations: BTreeMap<&str, Kustomization> = files
            .iter()
            .filter(|f| kustomization::is_kustomization_file(file_name(f)))
            .filter_map(|f| {
                // A file so named holding an object of another API group (a
                // Flux Kustomization) is a plain manifest of its folder.
                let mut k = match read(f).map(|t| parse(&t)) {
                    Some(None) => return None,
                    read => read.flatten().unwrap_or_default(),
                };
                let dir = parent_dir(f);
                let generated: Vec<String> = k
                    .inputs
                    .iter()
                    .filter_map(|entry| known.get(&join(dir, entry)))
                    .filter_map(read)
                    .flat_map(|text| policy_generator_inputs(&text))
                    .collect();
                k.inputs.extend(generated);
                let deleted: Vec<(String, String)> = k
                    .patch_files
                    .iter()
                    .filter_map(|entry| known.get(&join(dir, entry)))
                    .filter_map(read)
                    .flat_map(|text| kustomization::deleted_by(&text))
                    .collect();
                k.deletes.extend(deleted);
                Some((f.as_ref(), k))
            })
            .collect();
        let mut units = Vec::new();
        let mut claimed: BTreeSet<&str> = BTreeSet::new();

        // Kustomize roots: included by no other kustomization; then, in path
        // order, any kustomization a cycle left unreached.
        let known_ref = &known;
        let included: BTreeSet<&str> = kustomizations
            .iter()
            .flat_map(|(file, k)| {
                let dir = parent_dir(file);
                k.resources
                    .iter()
                    .chain(&k.components)
                    .filter_map(move |entry| kustomization_in(known_ref, &join(dir, entry)))
            })
            .collect();
        let mut reached: BTreeSet<&str> = BTreeSet::new();
        // A Component no kustomization lists is applied by nobody (Kustomize
        // builds one alone, but it is made to be listed under `components:`:
        // alternatives of one feature sit side by side, trial 36); its files
        // are those beside a kustomization that lists none of them.
        let roots = kustomizations
            .iter()
            .filter(|(f, k)| !included.contains(*f) && !k.component)
            .map(|(f, _)| f)
            .chain(kustomizations.keys().filter(|f| included.contains(*f)));
        for &root in roots {
            if reached.contains(root) {
                continue;
            }
            let mut members: BTreeMap<Arc<str>, Member> = BTreeMap::new();
            let mut visited = BTreeSet::new();
            let walk = Walk {
                known: &known,
                kustomizations: &kustomizations,
            };
            walk.visit(root, None, &mut visited, &mut members);
            reached.extend(visited);
            claimed.extend(members.keys().filter_map(|f| known.get(f.as_ref())));
            units.push(ApplyUnit {
                kind: UnitKind::Kustomize,
                root: Arc::from(parent_dir(root)),
                entry: Some(Arc::from(root)),
                members: members.into_values().collect(),
                rendered: false,
                failed: false,
            });
        }

        // Helm charts: a folder with Chart.yaml inside no other chart.
        let chart_dirs: BTreeSet<&str> = files
            .iter()
            .filter(|f| matches!(file_name(f), "Chart.yaml" | "Chart.yml"))
            .map(|f| parent_dir(f))
            .collect();
        let top_charts: Vec<&str> = chart_dirs
            .iter()
            .copied()
            .filter(|dir| !ancestors(dir).any(|a| chart_dirs.contains(a)))
            .collect();
        let mut in_chart: BTreeSet<&str> = BTreeSet::new();
        for chart in top_charts {
            let members: Vec<Member> = known
                .below(chart)
                .iter()
                .filter(|f| is_below(f, chart))
                .map(|f| {
                    in_chart.insert(f);
                    let inside = f.get(chart.len()..).unwrap_or_default();
                    let role = if inside.split('/').any(|part| part == "templates") {
                        Role::Template
                    } else if inside.split('/').any(|part| part == "crds") {
                        Role::Resource
                    } else {
                        Role::Input
                    };
                    Member {
                        file: Arc::clone(f),
                        role,
                        set: None,
                    }
                })
                .collect();
            // Its `Chart.yaml`, whatever files of the folder sort before it
            // (`.ct.yaml`, `.schema.yaml`, `CHANGELOG.yaml`).
            let entry = members
                .iter()
                .find(|m| {
                    parent_dir(&m.file) == chart
                        && m.role == Role::Input
                        && matches!(file_name(&m.file), "Chart.yaml" | "Chart.yml")
                })
                .map(|m| Arc::clone(&m.file));
            units.push(ApplyUnit {
                kind: UnitKind::HelmChart,
                root: Arc::from(chart),
                entry,
                members,
                rendered: false,
                failed: false,
            });
        }

        // Plain files: one unit per folder; beside a kustomization, none.
        // Each file is noted with its folder and its rank in the sorted file
        // list, then grouped by folder with a stable sort: the folders come
        // in path order and each folder's files in path order, as a map of
        // folders would give them, without a map lookup per file (the walk
        // lists files nearly sorted, so the sort finds long runs).
        let kustomized_dirs: BTreeSet<&str> =
            kustomizations.keys().map(|k| parent_dir(k)).collect();
        let policy_test_dirs: BTreeSet<&str> = files
            .iter()
            .filter(|f| {
                let name = file_name(f);
                POLICY_TEST_FILES.contains(&name) || is_kuttl_assertion(name)
            })
            .map(|f| parent_dir(f))
            .collect();
        // (`-test` first: a cheap test on every folder of plain files.)
        let policy_test = |dir: &str| {
            (dir.contains("-test") && dir.split('/').any(|part| POLICY_TEST_DIRS.contains(&part)))
                || (!policy_test_dirs.is_empty()
                    && std::iter::once(dir)
                        .chain(ancestors(dir))
                        .any(|d| policy_test_dirs.contains(d)))
        };
        let mut plain: Vec<(&str, u32)> = Vec::new();
        let mut unapplied = BTreeSet::new();
        for (rank, file) in files.iter().enumerate() {
            if claimed.contains(file.as_ref())
                || in_chart.contains(file.as_ref())
                || kustomizations.contains_key(file.as_ref())
            {
                continue;
            }
            let dir = parent_dir(file);
            if kustomized_dirs.contains(dir)
                || policy_test(dir)
                || is_expected_output(file_name(file))
            {
                unapplied.insert(Arc::clone(file));
                continue;
            }
            // Past four billion files: not a repository.
            if let Ok(rank) = u32::try_from(rank) {
                plain.push((dir, rank));
            }
        }
        plain.sort_by(|a, b| a.0.cmp(b.0));
        // Every membership as (the file's rank, unit, index in the unit):
        // sorted as integers, they are sorted by file (ranks are unique and
        // every member is a file of the list), then unit and index.
        let mut memberships: Vec<(u32, u32, u32)> = Vec::with_capacity(files.len());
        for (id, unit) in units.iter().enumerate() {
            for (index, member) in unit.members.iter().enumerate() {
                if let (Some(rank), Ok(id), Ok(index)) = (
                    known.rank(&member.file),
                    u32::try_from(id),
                    u32::try_from(index),
                ) {
                    memberships.push((rank, id, index));
                }
            }
        }
        // A folder of plain files is applied together (`kubectl apply -f
        // folder/`), but for a `testdata` folder (Go's convention: inputs of
        // tests, each file a case of its own, which no one applies as a
        // folder) or a collection of samples, examples or recipes (each file
        // applied on its own): there each file is a unit alone.
        let groups = plain.chunk_by(|a, b| a.0 == b.0).flat_map(|folder| {
            let alone = folder.first().is_some_and(|(dir, _)| {
                dir.split('/')
                    .any(|part| EACH_FILE_ALONE.iter().any(|n| part.eq_ignore_ascii_case(n)))
            });
            folder.chunks(if alone { 1 } else { folder.len().max(1) })
        });
        for folder in groups {
            let (Some(&(dir, _)), Ok(id)) = (folder.first(), u32::try_from(units.len())) else {
                continue;
            };
            let mut members = Vec::with_capacity(folder.len());
            for &(_, rank) in folder {
                let (Some(file), Ok(index)) =
                    (files.get(rank as usize), u32::try_from(members.len()))
                else {
                    continue;
                };
                memberships.push((rank, id, index));
                members.push(Member {
                    file: Arc::clone(file),
                    role: Role::Resource,
                    set: None,
                });
            }
            units.push(ApplyUnit {
                kind: UnitKind::Plain,
                root: Arc::from(dir),
                entry: None,
                members,
                rendered: false,
                failed: false,
            });
        }
        for unit in &mut units {
            unit.members.shrink_to_fit();
        }
        memberships.sort_unstable();
        let by_file: Vec<(u32, u32)> = memberships
            .into_iter()
            .map(|(_, id, index)| (id, index))
            .collect();
        ApplyUnits {
            units,
            by_file,
            unapplied,
        }
    }

    /// Whether `file` lies beside a kustomization that does not list it (nor
    /// does any other): no unit applies it, so its objects are not modelled
    /// (its document rules still run).
    pub fn is_unapplied(&self, file: &str) -> bool {
        self.unapplied.contains(file)
    }

    /// Every unit: Kustomize roots (in path order), then charts, then folders
    /// of plain files.
    pub fn units(&self) -> &[ApplyUnit] {
        &self.units
    }

    pub fn get(&self, id: UnitId) -> Option<&ApplyUnit> {
        self.units.get(id)
    }

    /// The units `file` is a member of, with its role in each.
    pub fn of_file<'u>(&'u self, file: &'u str) -> impl Iterator<Item = (UnitId, &'u Member)> + 'u {
        let start = self
            .by_file
            .partition_point(|&m| member_file(&self.units, m) < file);
        self.memberships_from(start, file)
    }

    /// [`ApplyUnits::of_file`] for files asked in path order, as the model
    /// asks for every file: `cursor` (0 at first) keeps where the previous
    /// file's memberships ended, so the next ones are found a step or two
    /// further instead of by a binary search of every membership (each step
    /// of which reads a member's path far away in memory). A file asked out
    /// of order is searched for from the start, with the same answer.
    pub fn of_file_in_order<'u>(
        &'u self,
        file: &'u str,
        cursor: &mut usize,
    ) -> impl Iterator<Item = (UnitId, &'u Member)> + 'u {
        let before = |at: usize| {
            self.by_file
                .get(at)
                .is_some_and(|&m| member_file(&self.units, m) < file)
        };
        let mut start = (*cursor).min(self.by_file.len());
        if start > 0 && !before(start - 1) {
            start = 0;
        }
        // A few steps, then a binary search of what is left.
        let mut steps = 0;
        while before(start) {
            start += 1;
            steps += 1;
            if steps == 8 {
                start += self
                    .by_file
                    .get(start..)
                    .unwrap_or_default()
                    .partition_point(|&m| member_file(&self.units, m) < file);
                break;
            }
        }
        let run = self
            .by_file
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&m| member_file(&self.units, m) == file)
            .count();
        *cursor = start + run;
        self.memberships_from(start, file)
    }

    /// The memberships of `file` from position `start` of `by_file` on.
    fn memberships_from<'u>(
        &'u self,
        start: usize,
        file: &'u str,
    ) -> impl Iterator<Item = (UnitId, &'u Member)> + 'u {
        self.by_file
            .get(start..)
            .unwrap_or_default()
            .iter()
            .map_while(move |&(id, index)| {
                let (id, index) = (id as UnitId, index as usize);
                let member = self.units.get(id)?.members.get(index)?;
                (*member.file == *file).then_some((id, member))
            })
    }

    /// Whether `file` is applied only through Kustomize builds that were
    /// rendered: a member of at least one rendered Kustomize build, and of no
    /// unit that is not a Kustomize build that rendered or failed. What such
    /// a file says is applied only as the builds' outputs say it (an overlay
    /// may patch any of its values); a build that failed applies nothing,
    /// and its DVM004 says so.
    pub fn only_in_rendered_builds(&self, file: &str) -> bool {
        let mut rendered = false;
        for (id, _) in self.of_file(file) {
            match self.units.get(id) {
                Some(unit) if unit.kind == UnitKind::Kustomize && unit.rendered => rendered = true,
                Some(unit) if unit.kind == UnitKind::Kustomize && unit.failed => {}
                _ => return false,
            }
        }
        rendered
    }

    /// Whether `file` is a kustomize patch of some unit and a resource of none:
    /// partial objects, not objects of their own.
    pub fn is_only_patch(&self, file: &str) -> bool {
        let has = |role| self.of_file(file).any(|(_, m)| m.role == role);
        has(Role::Patch) && !has(Role::Resource)
    }

    /// Called by the rendering stage once it has the build's output of `id`:
    /// the unit's member files no longer contribute objects (their document
    /// rules still run), the rendered results do.
    pub fn mark_rendered(&mut self, id: UnitId) {
        if let Some(unit) = self.units.get_mut(id) {
            unit.rendered = true;
        }
    }

    /// Called by the rendering stage when the build of `id` failed (its
    /// DVM004 is reported): nothing is applied through it.
    pub fn mark_failed(&mut self, id: UnitId) {
        if let Some(unit) = self.units.get_mut(id) {
            unit.failed = true;
        }
    }
}

/// The file of membership `(unit, index)` (`""` for none: never, the
/// memberships are made from the units).
fn member_file(units: &[ApplyUnit], (id, index): (u32, u32)) -> &str {
    units
        .get(id as usize)
        .and_then(|unit| unit.members.get(index as usize))
        .map_or("", |member| &member.file)
}

/// `files` sorted without repeats, and the rank of each of `files` in it.
/// The listing comes nearly sorted (the walk goes folder by folder, in name
/// order): a stable sort of the pairs finds its long runs.
fn sorted_with_ranks(files: &[Arc<str>]) -> (Vec<Arc<str>>, Vec<u32>) {
    let mut pairs: Vec<(Arc<str>, u32)> = files
        .iter()
        .enumerate()
        .map(|(at, file)| (Arc::clone(file), u32::try_from(at).unwrap_or(u32::MAX)))
        .collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let mut ranks = vec![0u32; files.len()];
    let mut sorted: Vec<Arc<str>> = Vec::with_capacity(pairs.len());
    for (file, at) in pairs {
        if sorted.last() != Some(&file) {
            sorted.push(file);
        }
        let rank = u32::try_from(sorted.len() - 1).unwrap_or(u32::MAX);
        if let Some(slot) = ranks.get_mut(at as usize) {
            *slot = rank;
        }
    }
    (sorted, ranks)
}

/// The project's files, sorted, each once: looked up by binary search (a
/// set of them cost a tenth of the stage on a project of small files:
/// docs/performance.md).
struct Known<'f>(&'f [Arc<str>]);

impl<'f> Known<'f> {
    fn get(&self, path: &str) -> Option<&'f str> {
        let at = self.0.binary_search_by(|f| f.as_ref().cmp(path)).ok()?;
        self.0.get(at).map(AsRef::as_ref)
    }

    /// The files directly in folder `dir` (a run of the sorted list).
    fn in_folder<'d>(&self, dir: &'d str) -> impl Iterator<Item = &'f str> + 'd
    where
        'f: 'd,
    {
        self.below(dir)
            .iter()
            .map(AsRef::as_ref)
            .filter(move |f| parent_dir(f) == dir)
    }

    /// The files below folder `dir`, at any depth (every file for the
    /// project's root): the files are sorted, so they are one run of them.
    fn below(&self, dir: &str) -> &'f [Arc<str>] {
        if dir.is_empty() {
            return self.0;
        }
        let prefix = format!("{dir}/");
        let start = self.0.partition_point(|f| f.as_ref() < prefix.as_str());
        let rest = self.0.get(start..).unwrap_or_default();
        rest.get(..rest.partition_point(|f| f.starts_with(prefix.as_str())))
            .unwrap_or_default()
    }

    /// The place of `path` in the sorted list.
    fn rank(&self, path: &str) -> Option<u32> {
        let at = self.0.binary_search_by(|f| f.as_ref().cmp(path)).ok()?;
        u32::try_from(at).ok()
    }
}

struct Walk<'w> {
    known: &'w Known<'w>,
    kustomizations: &'w BTreeMap<&'w str, Kustomization>,
}

impl<'w> Walk<'w> {
    /// Adds kustomization `file` and what it lists to `members`; `outer` is
    /// what the including kustomizations set ([`Kustomized::within`]).
    fn visit(
        &self,
        file: &'w str,
        outer: Option<Arc<Kustomized>>,
        visited: &mut BTreeSet<&'w str>,
        members: &mut BTreeMap<Arc<str>, Member>,
    ) {
        if !visited.insert(file) {
            return;
        }
        add(members, file, Role::Input, None);
        let Some(k) = self.kustomizations.get(file) else {
            return;
        };
        let here = Kustomized::within(outer.as_ref(), k);
        let dir = parent_dir(file);
        for entry in k.resources.iter().chain(&k.components) {
            let path = join(dir, entry);
            if let Some(inner) = kustomization_in(self.known, &path) {
                self.visit(inner, here.clone(), visited, members);
            } else if let Some(found) = self.known.get(path.as_str()) {
                add(members, found, Role::Resource, here.clone());
            }
            // Else a folder without a kustomization (kustomize refuses it) or
            // a remote base: nothing of ours to add.
        }
        for (paths, role) in [(&k.patch_files, Role::Patch), (&k.inputs, Role::Input)] {
            for entry in paths {
                let path = join(dir, entry);
                if let Some(found) = self.known.get(path.as_str()) {
                    add(members, found, role, None);
                } else if role == Role::Input {
                    // A folder a generator reads (a PolicyGenerator's
                    // `manifests[].path`): the files directly in it.
                    for found in self.known.in_folder(&path) {
                        add(members, found, role, None);
                    }
                }
            }
        }
    }
}

/// The files and folders an ACM `PolicyGenerator` (a Kustomize generator
/// plugin) wraps into policies, `policies[].manifests[].path`, relative to the
/// kustomization's folder: inputs of the build, each wrapped into a policy of
/// its own, not files `kubectl apply -f` applies together.
fn policy_generator_inputs(text: &str) -> Vec<String> {
    let parsed = yaml::parse_chunk(text, 1, Limits::default());
    parsed
        .documents
        .iter()
        .filter(|d| d.get("kind").and_then(Node::as_str) == Some("PolicyGenerator"))
        .flat_map(|d| d.get("policies").map_or(&[][..], Node::items))
        .flat_map(|policy| policy.get("manifests").map_or(&[][..], Node::items))
        .filter_map(|manifest| manifest.get("path").and_then(Node::as_str))
        .filter(|path| !path.is_empty() && !path.contains('\n'))
        .map(|path| path.trim_end_matches('/').to_owned())
        .collect()
}

/// The first role a file gets in a unit stands, except that being a resource
/// wins over being an input or a patch (kustomize would refuse a file that is
/// both; the objects are what is applied).
fn add(
    members: &mut BTreeMap<Arc<str>, Member>,
    file: &str,
    role: Role,
    set: Option<Arc<Kustomized>>,
) {
    let member = members.entry(Arc::from(file)).or_insert_with(|| Member {
        file: Arc::from(file),
        role,
        set: set.clone(),
    });
    if role == Role::Resource && member.role != Role::Resource {
        member.role = role;
        member.set = set;
    }
}

/// The kustomization file of folder `dir`, if discovery found one.
fn kustomization_in<'k>(known: &Known<'k>, dir: &str) -> Option<&'k str> {
    ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .find_map(|name| {
            let path = if dir.is_empty() {
                (*name).to_owned()
            } else {
                format!("{dir}/{name}")
            };
            known.get(path.as_str())
        })
}

/// A kustomization file's first document (the only one kustomize reads), a
/// key written twice keeping its last value, as Kustomize reads it; `None`
/// when that document is an object of another API group, no kustomization
/// (`kustomization::is_of_another_group`: a Flux Kustomization).
fn parse(text: &str) -> Option<Kustomization> {
    let (parsed, _) = yaml::parse_kustomization(text, 1);
    let first = parsed.documents.iter().find(|d| !d.is_null());
    if first.is_some_and(kustomization::is_of_another_group) {
        return None;
    }
    Some(
        first
            .filter(|d| kustomization::is_kustomization_kind(d.get("kind").and_then(Node::as_str)))
            .map(Kustomization::from_node)
            .unwrap_or_default(),
    )
}

/// Where the last `/` of `rel` is. A plain loop back over the bytes: it
/// crosses only the file name, a few bytes, where `rsplit`'s `memrchr` pays
/// a fixed set-up on every call (this stage asks it several times a file:
/// 10.9 → 7.1 M instructions on 5,000 small files, `--jobs 1`).
fn last_slash(rel: &str) -> Option<usize> {
    rel.bytes().rposition(|b| b == b'/')
}

fn file_name(rel: &str) -> &str {
    last_slash(rel)
        .and_then(|at| rel.get(at + 1..))
        .unwrap_or(rel)
}

/// The folder of a relative path (`""` at the root).
pub fn parent_dir(rel: &str) -> &str {
    last_slash(rel).and_then(|at| rel.get(..at)).unwrap_or("")
}

/// The strict ancestors of folder `dir`, nearest first, the root (`""`) last.
fn ancestors(dir: &str) -> impl Iterator<Item = &str> {
    let mut next = (!dir.is_empty()).then(|| parent_dir(dir));
    std::iter::from_fn(move || {
        let current = next?;
        next = (!current.is_empty()).then(|| parent_dir(current));
        Some(current)
    })
}

/// Whether `file` lies below folder `dir` (`""`: everything).
fn is_below(file: &str, dir: &str) -> bool {
    dir.is_empty() || (file.starts_with(dir) && file.as_bytes().get(dir.len()) == Some(&b'/'))
}

/// `rel` resolved against folder `dir`, `.` and `..` applied (a path that
/// climbs above the root keeps climbing nowhere: it names no file of ours).
pub fn join(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return format!("../{rel}");
                }
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(files: &[(&str, &str)]) -> ApplyUnits {
        let names: Vec<Arc<str>> = files.iter().map(|(f, _)| Arc::from(*f)).collect();
        let texts: std::collections::HashMap<&str, &str> = files.iter().copied().collect();
        ApplyUnits::discover(&names, &|f| texts.get(f).map(|t| (*t).to_owned()))
    }

    #[test]
    fn name_affixes_nest_an_including_kustomization_outside() {
        let found = units(&[
            (
                "kustomization.yaml",
                "namePrefix: b-\nnameSuffix: -y\nresources: [base, top.yaml]\n",
            ),
            ("top.yaml", "kind: ConfigMap\n"),
            (
                "base/kustomization.yaml",
                "namePrefix: a-\nnameSuffix: -x\nresources: [web.yaml]\n",
            ),
            ("base/web.yaml", "kind: ConfigMap\n"),
            ("plain/kustomization.yaml", "resources: [p.yaml]\n"),
            ("plain/p.yaml", "kind: ConfigMap\n"),
        ]);
        let built = |file: &str| -> Vec<Option<String>> {
            found
                .of_file(file)
                .map(|(_, m)| m.set.as_ref()?.affixes.as_ref().map(|a| a.apply("web")))
                .collect()
        };
        assert_eq!(built("base/web.yaml"), [Some("b-a-web-x-y".to_owned())]);
        assert_eq!(built("top.yaml"), [Some("b-web-y".to_owned())]);
        assert_eq!(built("plain/p.yaml"), [None]);
    }

    #[test]
    fn a_kuttl_test_case_is_applied_by_no_unit() {
        let found = units(&[
            ("kuttl-test.yaml", "kind: TestSuite\n"),
            ("apps/web.yaml", "kind: ConfigMap\n"),
            ("e2e/orders/00-install.yaml", "kind: ConfigMap\n"),
            ("e2e/orders/00-assert.yaml", "kind: ConfigMap\n"),
            ("e2e/orders/data/extra.yaml", "kind: ConfigMap\n"),
            ("e2e/cart/01-errors-gone.yml", "kind: ConfigMap\n"),
            ("e2e/cart/01-delete.yaml", "kind: ConfigMap\n"),
            ("e2e/plain/00-install.yaml", "kind: ConfigMap\n"),
        ]);
        let applied = |file: &str| found.of_file(file).count();
        for file in [
            "e2e/orders/00-install.yaml",
            "e2e/orders/00-assert.yaml",
            "e2e/orders/data/extra.yaml",
            "e2e/cart/01-errors-gone.yml",
            "e2e/cart/01-delete.yaml",
        ] {
            assert_eq!(applied(file), 0, "{file}");
        }
        for file in [
            "kuttl-test.yaml",
            "apps/web.yaml",
            "e2e/plain/00-install.yaml",
        ] {
            assert_eq!(applied(file), 1, "{file}");
        }
        for name in ["00-assert.yaml", "12-errors.yml", "3-assert-ready.yaml"] {
            assert!(is_kuttl_assertion(name), "{name}");
        }
        for name in [
            "assert.yaml",
            "00-install.yaml",
            "a0-assert.yaml",
            "00-assert.json",
            "-assert.yaml",
        ] {
            assert!(!is_kuttl_assertion(name), "{name}");
        }
    }

    #[test]
    fn expected_outputs_are_told_by_their_names() {
        for name in [
            "clustergroup-normal.expected.yaml",
            "deployment.golden.yaml",
            "output-expected.yml",
            "a_golden.json",
            "expected.yaml",
            "Render.Expected.YAML",
        ] {
            assert!(is_expected_output(name), "{name}");
        }
        for name in [
            "unexpected.yaml",
            "expected-values.yaml",
            "golden-gate.yaml",
            "expected.txt",
            "deployment.yaml",
        ] {
            assert!(!is_expected_output(name), "{name}");
        }
    }

    #[test]
    fn test_inputs_are_the_files_below_a_testdata_folder() {
        assert!(is_test_input("pkg/model/testdata/raw-route.yaml"));
        assert!(is_test_input("testdata/default-config/db-secret.yaml"));
        assert!(is_test_input("internal/TestData/a.yaml"));
        assert!(is_test_input("cmd/cli/_testdata/resources/a.yaml"));
        assert!(!is_test_input("testdata"));
        assert!(!is_test_input("x/__testdata/a.yaml"));
        assert!(!is_test_input("pkg/testdata.yaml"));
        assert!(!is_test_input("config/samples/route.yaml"));
    }

    /// Below `testdata` or a collection of samples, examples or recipes
    /// (whatever the case of its name), each plain file is a unit alone;
    /// elsewhere, and in a folder only named like one (`sample-app`), the
    /// folder is one unit.
    #[test]
    fn samples_examples_recipes_and_testdata_files_are_units_alone() {
        let found = units(&[
            ("config/samples/a.yaml", "kind: Secret\n"),
            ("config/samples/b.yaml", "kind: Secret\n"),
            ("docs/Examples/web/a.yaml", "kind: Secret\n"),
            ("docs/Examples/web/b.yaml", "kind: Secret\n"),
            ("config/recipes/x/a.yaml", "kind: Secret\n"),
            ("config/recipes/x/b.yaml", "kind: Secret\n"),
            ("pkg/testdata/a.yaml", "kind: Secret\n"),
            ("pkg/testdata/b.yaml", "kind: Secret\n"),
            ("deploy/db/a.yaml", "kind: Secret\n"),
            ("deploy/db/b.yaml", "kind: Secret\n"),
            ("sample-app/a.yaml", "kind: Secret\n"),
            ("sample-app/b.yaml", "kind: Secret\n"),
        ]);
        let unit = |file: &str| found.of_file(file).map(|(id, _)| id).collect::<Vec<_>>();
        for folder in [
            "config/samples",
            "docs/Examples/web",
            "config/recipes/x",
            "pkg/testdata",
        ] {
            let (a, b) = (
                unit(&format!("{folder}/a.yaml")),
                unit(&format!("{folder}/b.yaml")),
            );
            assert_eq!((a.len(), b.len()), (1, 1), "{folder}");
            assert_ne!(a, b, "{folder}");
        }
        for folder in ["deploy/db", "sample-app"] {
            let (a, b) = (
                unit(&format!("{folder}/a.yaml")),
                unit(&format!("{folder}/b.yaml")),
            );
            assert_eq!(a.len(), 1, "{folder}");
            assert_eq!(a, b, "{folder}");
        }
    }
    #[test]
    fn a_path_splits_at_its_last_slash() {
        for (rel, dir, name) in [
            ("", "", ""),
            ("a.yaml", "", "a.yaml"),
            ("a/b.yaml", "a", "b.yaml"),
            ("a/b/c.yaml", "a/b", "c.yaml"),
            ("é/ü/ß.yaml", "é/ü", "ß.yaml"),
            ("a/", "a", ""),
        ] {
            assert_eq!(parent_dir(rel), dir, "{rel}");
            assert_eq!(file_name(rel), name, "{rel}");
        }
    }

    #[test]
    fn ranks_place_each_listed_file_among_the_distinct_sorted_files() {
        let listed: Vec<Arc<str>> = [
            "b/x.yaml", "a.yaml", "b/x.yaml", "a/z.yaml", "a/b.yaml", "a.yaml",
        ]
        .into_iter()
        .map(Arc::from)
        .collect();
        let (sorted, ranks) = sorted_with_ranks(&listed);
        let sorted: Vec<&str> = sorted.iter().map(AsRef::as_ref).collect();
        assert_eq!(sorted, ["a.yaml", "a/b.yaml", "a/z.yaml", "b/x.yaml"]);
        assert_eq!(ranks, [3, 0, 3, 2, 1, 0]);
        for (file, rank) in listed.iter().zip(&ranks) {
            assert_eq!(sorted.get(*rank as usize).copied(), Some(file.as_ref()));
        }
        // The units found with ranks are those found without.
        let (ranked, _) = ApplyUnits::discover_ranked(&listed, &|_| None);
        let plain = ApplyUnits::discover(&listed, &|_| None);
        assert_eq!(summary(&ranked), summary(&plain));
        assert_eq!(ranked.by_file, plain.by_file);
        assert!(sorted_with_ranks(&[]).1.is_empty());
    }

    fn summary(units: &ApplyUnits) -> Vec<String> {
        units
            .units()
            .iter()
            .map(|u| {
                let members: Vec<String> = u
                    .members
                    .iter()
                    .map(|m| {
                        format!(
                            "{}:{:?}{}",
                            m.file,
                            m.role,
                            m.namespace()
                                .map(AsRef::as_ref)
                                .map(|n| format!("@{n}"))
                                .unwrap_or_default()
                        )
                    })
                    .collect();
                format!("{:?} {} [{}]", u.kind, u.root, members.join(" "))
            })
            .collect()
    }

    #[test]
    fn overlays_are_roots_and_bases_patches_components_are_inputs() {
        let found = units(&[
            (
                "base/kustomization.yaml",
                "namespace: base\nresources: [a.yaml]\n",
            ),
            ("base/a.yaml", ""),
            ("base/unlisted.yaml", ""),
            (
                "overlays/prod/kustomization.yaml",
                "namespace: prod\nresources: [../../base, b.yaml]\ncomponents: [../../comp]\n\
                 patches: [{path: p1.yaml}, p2.yaml]\npatchesStrategicMerge: [p3.yaml]\n\
                 patchesJson6902: [{path: p4.yaml, target: {kind: X}}]\nconfigurations: [c.yaml]\n",
            ),
            ("overlays/prod/b.yaml", ""),
            ("overlays/prod/p1.yaml", ""),
            ("overlays/prod/p2.yaml", ""),
            ("overlays/prod/p3.yaml", ""),
            ("overlays/prod/p4.yaml", ""),
            ("overlays/prod/c.yaml", ""),
            (
                "overlays/dev/kustomization.yaml",
                "resources: [../../base]\n",
            ),
            (
                "comp/kustomization.yaml",
                "kind: Component\npatches: [{path: cp.yaml}]\n",
            ),
            ("comp/cp.yaml", ""),
            ("chart/Chart.yaml", ""),
            ("chart/values.yaml", ""),
            ("chart/templates/t.yaml", ""),
            ("chart/crds/c.yaml", ""),
            ("chart/charts/sub/Chart.yaml", ""),
            ("chart/charts/sub/templates/s.yaml", ""),
            ("plain/x.yaml", ""),
            ("plain/y.yaml", ""),
            ("z.yaml", ""),
        ]);
        assert_eq!(
            summary(&found),
            [
                "Kustomize overlays/dev [base/a.yaml:Resource@base base/kustomization.yaml:Input overlays/dev/kustomization.yaml:Input]",
                "Kustomize overlays/prod [base/a.yaml:Resource@prod base/kustomization.yaml:Input \
                 comp/cp.yaml:Patch comp/kustomization.yaml:Input overlays/prod/b.yaml:Resource@prod \
                 overlays/prod/c.yaml:Input overlays/prod/kustomization.yaml:Input \
                 overlays/prod/p1.yaml:Patch overlays/prod/p2.yaml:Patch overlays/prod/p3.yaml:Patch \
                 overlays/prod/p4.yaml:Patch]",
                "HelmChart chart [chart/Chart.yaml:Input chart/charts/sub/Chart.yaml:Input \
                 chart/charts/sub/templates/s.yaml:Template chart/crds/c.yaml:Resource \
                 chart/templates/t.yaml:Template chart/values.yaml:Input]",
                "Plain  [z.yaml:Resource]",
                "Plain plain [plain/x.yaml:Resource plain/y.yaml:Resource]",
            ]
        );
        assert!(found.is_unapplied("base/unlisted.yaml"));
        assert!(!found.is_unapplied("plain/x.yaml"));
        assert!(found.is_only_patch("overlays/prod/p1.yaml"));
        assert!(!found.is_only_patch("base/a.yaml"));
        assert_eq!(found.of_file("base/a.yaml").count(), 2);
        // The sorted index finds each file's memberships, in unit order, and
        // every membership once; an unknown file has none.
        let of_a: Vec<(UnitId, Option<&str>)> = found
            .of_file("base/a.yaml")
            .map(|(id, m)| (id, m.namespace().map(AsRef::as_ref)))
            .collect();
        assert_eq!(of_a, [(0, Some("base")), (1, Some("prod"))]);
        for (id, unit) in found.units().iter().enumerate() {
            for member in &unit.members {
                let hits = found
                    .of_file(&member.file)
                    .filter(|&(i, m)| i == id && std::ptr::eq(m, member))
                    .count();
                assert_eq!(hits, 1, "{}", member.file);
            }
        }
        assert_eq!(found.of_file("base").count(), 0);
        assert_eq!(found.of_file("zz.yaml").count(), 0);
        // Asked in path order, with unknown files between, then backwards:
        // the cursor gives the binary search's answers.
        let mut asked: Vec<&str> = found
            .units()
            .iter()
            .flat_map(|unit| unit.members.iter().map(|m| &*m.file))
            .chain(["base", "chart/a.yaml", "zz.yaml", "", "a"])
            .collect();
        asked.sort_unstable();
        asked.dedup();
        let memberships =
            |file: &str, cursor: Option<&mut usize>| -> Vec<(UnitId, *const Member)> {
                match cursor {
                    Some(cursor) => found
                        .of_file_in_order(file, cursor)
                        .map(|(id, m)| (id, std::ptr::from_ref(m)))
                        .collect(),
                    None => found
                        .of_file(file)
                        .map(|(id, m)| (id, std::ptr::from_ref(m)))
                        .collect(),
                }
            };
        for order in [asked.clone(), asked.iter().rev().copied().collect()] {
            let mut cursor = 0;
            for file in order {
                assert_eq!(
                    memberships(file, Some(&mut cursor)),
                    memberships(file, None),
                    "{file}"
                );
            }
        }
        assert_eq!(
            found.get(1).and_then(|u| u.entry.as_deref()),
            Some("overlays/prod/kustomization.yaml")
        );
    }

    #[test]
    fn a_cycle_of_kustomizations_still_makes_a_unit() {
        let found = units(&[
            ("a/kustomization.yaml", "resources: [../b, x.yaml]\n"),
            ("a/x.yaml", ""),
            ("b/kustomization.yaml", "resources: [../a]\n"),
        ]);
        assert_eq!(
            summary(&found),
            [
                "Kustomize a [a/kustomization.yaml:Input a/x.yaml:Resource b/kustomization.yaml:Input]"
            ]
        );
    }

    #[test]
    fn unreadable_kustomization_and_remote_bases_are_harmless() {
        let found = units(&[
            (
                "k/kustomization.yaml",
                "resources: [https://github.com/x/y//base?ref=v1, ../../../../etc, [bad]\n",
            ),
            ("k/a.yaml", ""),
        ]);
        // A file beside a kustomization that lists nothing of ours: unapplied.
        assert_eq!(
            summary(&found),
            ["Kustomize k [k/kustomization.yaml:Input]"]
        );
        assert!(found.is_unapplied("k/a.yaml"));
        assert!(join("a", "../../x").starts_with("../"));
        assert_eq!(join("a/b", "../c/./d.yaml"), "a/c/d.yaml");
    }
}
