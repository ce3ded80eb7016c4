//! Generates a realistic manifest repository for benchmarks (issue: speed at scale).
//!
//! `cargo run --release --example gen_corpus -- --files 2000 --out /tmp/corpus [--seed 7] [--payload-kb 8]`
//! `cargo run --release --example gen_corpus -- --shape small --out /tmp/small [--files 100000]`
//!
//! Two clusters (source, target) with a `.dvmlint.yaml`, MigPlans, MigrationControllers,
//! a cluster Proxy, per-namespace folders of Deployments, Services, ConfigMaps with
//! multi-line payloads (`--payload-kb`, the part no rule reads), NetworkPolicies,
//! EgressFirewalls, multi-document files and `List` files. Deterministic from the seed.
//!
//! `--shape small` (default 100,000 files) is the shape of real repositories: files of
//! 0.3–2 KB holding one object (three in four) or two, of the kinds such repositories
//! hold, in the proportions counted in seven public GitOps and example repositories
//! (3,254 manifest files: Services, Namespaces, Deployments, OLM Subscriptions and
//! OperatorGroups, Secrets, PVCs, RBAC, Jobs, Pods, ConfigMaps, Routes, ...; see
//! [`SMALL_KINDS`]). Kustomization files (a third of those repositories' files) are
//! left out: they are build inputs that `dvmlint` renders with an external tool, which
//! `benches/render-charts.sh` measures, not manifests the floor could be compared with.

use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

struct Options {
    files: usize,
    out: PathBuf,
    seed: u64,
    payload_kb: usize,
    small: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        files: 0,
        out: PathBuf::from("corpus"),
        seed: 7,
        payload_kb: 8,
        small: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--files" => options.files = value()?.parse().map_err(|e| format!("--files: {e}"))?,
            "--out" => options.out = PathBuf::from(value()?),
            "--seed" => options.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--payload-kb" => {
                options.payload_kb = value()?.parse().map_err(|e| format!("--payload-kb: {e}"))?
            }
            "--shape" => match value()?.as_str() {
                "small" => options.small = true,
                "default" => options.small = false,
                other => return Err(format!("--shape: `{other}` is not small or default")),
            },
            other => return Err(format!("unknown option {other}")),
        }
    }
    if options.files == 0 {
        options.files = if options.small { 100_000 } else { 1000 };
    }
    Ok(options)
}

fn main() {
    let options = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("gen_corpus: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = generate(&options) {
        eprintln!("gen_corpus: {e}");
        std::process::exit(1);
    }
}

fn generate(o: &Options) -> std::io::Result<()> {
    let mut rng = fastrand::Rng::with_seed(o.seed);
    fs::create_dir_all(&o.out)?;
    fs::write(
        o.out.join(".dvmlint.yaml"),
        "clusters:\n  - name: source\n    role: source\n    paths: [clusters/source]\n    cidrs: [\"10.0.0.0/16\"]\n  - name: target\n    role: target\n    paths: [clusters/target]\n    cidrs: [\"10.1.0.0/16\"]\n    ingress: [\"10.1.0.10/32\"]\n",
    )?;
    let namespaces = (o.files / 20).max(1);
    for cluster in ["source", "target"] {
        let dir = o
            .out
            .join("clusters")
            .join(cluster)
            .join("openshift-migration");
        fs::create_dir_all(&dir)?;
        let mut text = format!(
            "apiVersion: migration.openshift.io/v1alpha1\nkind: MigrationController\nmetadata:\n  name: migration-controller\n  namespace: openshift-migration\nspec:\n  migration_controller: {}\n  rsync_endpoint_type: Route\n",
            cluster == "source"
        );
        if cluster == "source" {
            text.push_str("---\napiVersion: migration.openshift.io/v1alpha1\nkind: MigPlan\nmetadata:\n  name: plan\n  namespace: openshift-migration\nspec:\n  srcMigClusterRef: {name: source}\n  destMigClusterRef: {name: target}\n  namespaces:\n");
            for n in 0..namespaces {
                let _ = writeln!(text, "  - ns-{n}");
            }
        }
        text.push_str("---\napiVersion: config.openshift.io/v1\nkind: Proxy\nmetadata:\n  name: cluster\nspec:\n  httpProxy: http://proxy.corp.example.com:3128\n  noProxy: .cluster.local,.svc,10.0.0.0/8\n");
        fs::write(dir.join("migration.yaml"), text)?;
    }
    for i in 0..o.files {
        let cluster = if i % 2 == 0 { "source" } else { "target" };
        let ns = format!("ns-{}", (i / 2) % namespaces);
        let dir = o.out.join("clusters").join(cluster).join(&ns);
        fs::create_dir_all(&dir)?;
        if o.small {
            fs::write(
                dir.join(format!("file-{i:06}.yaml")),
                small_file(&ns, i, &mut rng),
            )?;
            continue;
        }
        let text = match i % 10 {
            0 => network_policies(&ns, i),
            1 => egress_firewall(&ns, &mut rng),
            2 => list_file(&ns, i, &mut rng, o.payload_kb),
            _ => workload(&ns, i, &mut rng, o.payload_kb),
        };
        fs::write(dir.join(format!("file-{i:06}.yaml")), text)?;
    }
    Ok(())
}

fn network_policies(ns: &str, i: usize) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-{i}\n  namespace: {ns}\nspec:\n  podSelector: {{}}\n  policyTypes: [Ingress, Egress]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-dvm-{i}\n  namespace: {ns}\nspec:\n  podSelector:\n    matchLabels:\n      owner: directvolumemigration\n  policyTypes: [Ingress, Egress]\n  ingress: [{{}}]\n  egress:\n  - to:\n    - ipBlock: {{cidr: 10.1.0.0/16}}\n    ports:\n    - {{protocol: TCP, port: 443}}\n  - to:\n    - namespaceSelector:\n        matchLabels: {{kubernetes.io/metadata.name: openshift-dns}}\n    ports:\n    - {{protocol: UDP, port: 5353}}\n    - {{protocol: TCP, port: 5353}}\n"
    )
}

fn egress_firewall(ns: &str, rng: &mut fastrand::Rng) -> String {
    let mut text = format!(
        "apiVersion: k8s.ovn.org/v1\nkind: EgressFirewall\nmetadata:\n  name: default\n  namespace: {ns}\nspec:\n  egress:\n"
    );
    for _ in 0..rng.usize(2..8) {
        let _ = write!(
            text,
            "  - type: Allow\n    to:\n      cidrSelector: 10.{}.{}.0/24\n",
            rng.u8(0..=255),
            rng.u8(0..=255)
        );
    }
    text.push_str("  - type: Deny\n    to:\n      cidrSelector: 192.0.2.0/24\n");
    text
}

fn payload(rng: &mut fastrand::Rng, kb: usize) -> String {
    let mut text = String::with_capacity(kb * 1024 + 64);
    while text.len() < kb * 1024 {
        let _ = writeln!(
            text,
            "    line {} = {:016x} {:016x} value",
            rng.u32(..),
            rng.u64(..),
            rng.u64(..)
        );
    }
    text
}

fn workload(ns: &str, i: usize, rng: &mut fastrand::Rng, kb: usize) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\n  namespace: {ns}\n  labels: {{app: app-{i}}}\nspec:\n  replicas: {}\n  selector:\n    matchLabels: {{app: app-{i}}}\n  template:\n    metadata:\n      labels: {{app: app-{i}}}\n    spec:\n      containers:\n      - name: main\n        image: registry.example.com/app:{}\n        ports:\n        - {{name: http, containerPort: 8080}}\n        volumeMounts:\n        - {{name: data, mountPath: /data}}\n      volumes:\n      - name: data\n        persistentVolumeClaim: {{claimName: data-{i}}}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: app-{i}\n  namespace: {ns}\nspec:\n  selector: {{app: app-{i}}}\n  ports:\n  - {{port: 80, targetPort: http}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-{i}-config\n  namespace: {ns}\ndata:\n  settings.conf: |\n{}",
        rng.u8(1..5),
        rng.u16(..),
        payload(rng, kb)
    )
}

fn list_file(ns: &str, i: usize, rng: &mut fastrand::Rng, kb: usize) -> String {
    let mut text = String::from("apiVersion: v1\nkind: List\nitems:\n");
    for k in 0..3 {
        let body = payload(rng, kb / 3 + 1).replace("\n    ", "\n        ");
        let _ = write!(
            text,
            "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: list-{i}-{k}\n    namespace: {ns}\n  data:\n    blob: |\n    {}",
            body
        );
    }
    text
}

/// The kinds of `--shape small` and their weights (per 1,000 files), from the kinds counted in
/// seven public repositories (Kustomization files left out, see the module's documentation).
/// The second field names the kind written with it in a two-object file.
const SMALL_KINDS: &[(SmallKind, u32)] = &[
    (SmallKind::Service, 95),
    (SmallKind::Namespace, 85),
    (SmallKind::Deployment, 85),
    (SmallKind::Subscription, 65),
    (SmallKind::ConfigMap, 60),
    (SmallKind::Secret, 45),
    (SmallKind::OperatorGroup, 45),
    (SmallKind::PersistentVolumeClaim, 40),
    (SmallKind::ServiceAccount, 40),
    (SmallKind::RoleBinding, 35),
    (SmallKind::ClusterRoleBinding, 35),
    (SmallKind::Job, 30),
    (SmallKind::Pod, 30),
    (SmallKind::ClusterRole, 25),
    (SmallKind::Route, 25),
    (SmallKind::NetworkPolicy, 40),
    (SmallKind::StatefulSet, 20),
    (SmallKind::StorageClass, 15),
    (SmallKind::DeploymentConfig, 15),
    (SmallKind::ImageStream, 15),
    (SmallKind::BuildConfig, 15),
    (SmallKind::Role, 15),
    (SmallKind::CronJob, 15),
    (SmallKind::Ingress, 15),
    (SmallKind::ResourceQuota, 10),
    (SmallKind::Application, 15),
    (SmallKind::EgressFirewall, 10),
    (SmallKind::HorizontalPodAutoscaler, 10),
    (SmallKind::LimitRange, 5),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum SmallKind {
    Service,
    Namespace,
    Deployment,
    Subscription,
    ConfigMap,
    Secret,
    OperatorGroup,
    PersistentVolumeClaim,
    ServiceAccount,
    RoleBinding,
    ClusterRoleBinding,
    Job,
    Pod,
    ClusterRole,
    Route,
    NetworkPolicy,
    StatefulSet,
    StorageClass,
    DeploymentConfig,
    ImageStream,
    BuildConfig,
    Role,
    CronJob,
    Ingress,
    ResourceQuota,
    Application,
    EgressFirewall,
    HorizontalPodAutoscaler,
    LimitRange,
}

impl SmallKind {
    fn pick(rng: &mut fastrand::Rng) -> SmallKind {
        let total: u32 = SMALL_KINDS.iter().map(|(_, w)| w).sum();
        let mut at = rng.u32(0..total);
        for &(kind, weight) in SMALL_KINDS {
            if at < weight {
                return kind;
            }
            at -= weight;
        }
        SmallKind::Service
    }

    /// What real repositories put beside it in one file, if anything.
    fn companion(self) -> Option<SmallKind> {
        match self {
            SmallKind::Deployment | SmallKind::StatefulSet | SmallKind::DeploymentConfig => {
                Some(SmallKind::Service)
            }
            SmallKind::Namespace | SmallKind::Subscription => Some(SmallKind::OperatorGroup),
            SmallKind::Role => Some(SmallKind::RoleBinding),
            SmallKind::ClusterRole => Some(SmallKind::ClusterRoleBinding),
            SmallKind::ServiceAccount => Some(SmallKind::RoleBinding),
            SmallKind::Service => Some(SmallKind::Route),
            SmallKind::ImageStream => Some(SmallKind::BuildConfig),
            SmallKind::PersistentVolumeClaim => Some(SmallKind::Pod),
            SmallKind::NetworkPolicy => Some(SmallKind::NetworkPolicy),
            _ => None,
        }
    }

    /// Workloads and build configurations are the larger files of real repositories.
    fn is_large(self) -> bool {
        matches!(
            self,
            SmallKind::Deployment
                | SmallKind::StatefulSet
                | SmallKind::DeploymentConfig
                | SmallKind::Job
                | SmallKind::CronJob
                | SmallKind::BuildConfig
                | SmallKind::ConfigMap
        )
    }
}

/// One file of `--shape small`: one object, or two (one file in four), padded to a size drawn
/// between 0.3 and 2 KB with the labels and annotations real manifests carry.
fn small_file(ns: &str, i: usize, rng: &mut fastrand::Rng) -> String {
    let kind = SmallKind::pick(rng);
    let second = if rng.u8(0..4) == 0 {
        kind.companion()
    } else {
        None
    };
    let target = if kind.is_large() {
        rng.usize(700..2000)
    } else {
        // Most real manifests are small: a third under 0.5 KB, the rest up to 1.2 KB.
        if rng.bool() {
            rng.usize(300..500)
        } else {
            rng.usize(500..1200)
        }
    };
    let name = format!("app-{i}");
    let mut text = small_object(kind, ns, &name, rng);
    if let Some(second) = second {
        // Two objects of one kind in a file have two names.
        let name = if second == kind {
            format!("{name}-peer")
        } else {
            name
        };
        text.push_str("---\n");
        text.push_str(&small_object(second, ns, &name, rng));
    }
    // Pad the first object's metadata with annotations (after its own, if it has some).
    if text.len() < target {
        let (at, mut pad) = match text.find("\n  annotations:\n") {
            Some(at) => (at + "\n  annotations:\n".len(), String::new()),
            None => (
                text.find("metadata:\n")
                    .map_or(0, |at| at + "metadata:\n".len()),
                String::from("  annotations:\n"),
            ),
        };
        let mut k = 0;
        while text.len() + pad.len() < target {
            let _ = writeln!(
                pad,
                "    example.com/note-{k}: \"owner team-{} reviewed {:08x}\"",
                rng.u8(0..50),
                rng.u32(..)
            );
            k += 1;
        }
        text.insert_str(at, &pad);
    }
    text
}

fn pod_spec(image: &str, rng: &mut fastrand::Rng, indent: &str) -> String {
    let mut s = format!(
        "{indent}containers:\n{indent}- name: main\n{indent}  image: {image}\n{indent}  ports:\n{indent}  - containerPort: 8080\n{indent}  env:\n"
    );
    for e in 0..rng.usize(1..5) {
        let _ = write!(
            s,
            "{indent}  - name: SETTING_{e}\n{indent}    value: \"{}\"\n",
            rng.u16(..)
        );
    }
    let _ = write!(
        s,
        "{indent}  resources:\n{indent}    requests: {{cpu: 100m, memory: 128Mi}}\n{indent}    limits: {{memory: 256Mi}}\n"
    );
    s
}

fn small_object(kind: SmallKind, ns: &str, name: &str, rng: &mut fastrand::Rng) -> String {
    let meta = |api: &str, kind: &str| {
        format!(
            "apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels:\n    app.kubernetes.io/name: {name}\n    app.kubernetes.io/part-of: shop\n"
        )
    };
    let cluster_meta = |api: &str, kind: &str, name: &str| {
        format!(
            "apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {name}\n  labels:\n    app.kubernetes.io/part-of: shop\n"
        )
    };
    let image = format!(
        "registry.example.com/shop/{name}:{}.{}",
        rng.u8(1..9),
        rng.u8(0..30)
    );
    match kind {
        SmallKind::Service => {
            meta("v1", "Service")
                + &format!(
                    "spec:\n  selector:\n    app.kubernetes.io/name: {name}\n  ports:\n  - name: http\n    port: 80\n    targetPort: 8080\n"
                )
        }
        SmallKind::Namespace => {
            cluster_meta("v1", "Namespace", &format!("{ns}-{name}"))
                + "  annotations:\n    openshift.io/display-name: Shop\n"
        }
        SmallKind::Deployment => {
            meta("apps/v1", "Deployment")
                + &format!(
                    "spec:\n  replicas: {}\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {name}\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: {name}\n    spec:\n",
                    rng.u8(1..4)
                )
                + &pod_spec(&image, rng, "      ")
        }
        SmallKind::StatefulSet => {
            meta("apps/v1", "StatefulSet")
                + &format!(
                    "spec:\n  serviceName: {name}\n  replicas: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {name}\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: {name}\n    spec:\n"
                )
                + &pod_spec(&image, rng, "      ")
                + "  volumeClaimTemplates:\n  - metadata:\n      name: data\n    spec:\n      accessModes: [ReadWriteOnce]\n      resources:\n        requests:\n          storage: 1Gi\n"
        }
        SmallKind::DeploymentConfig => {
            meta("apps.openshift.io/v1", "DeploymentConfig")
                + &format!(
                    "spec:\n  replicas: 1\n  selector:\n    app.kubernetes.io/name: {name}\n  triggers:\n  - type: ConfigChange\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: {name}\n    spec:\n"
                )
                + &pod_spec(&image, rng, "      ")
        }
        SmallKind::Job => {
            meta("batch/v1", "Job")
                + "spec:\n  backoffLimit: 2\n  template:\n    spec:\n      restartPolicy: Never\n"
                + &pod_spec(&image, rng, "      ")
        }
        SmallKind::CronJob => {
            meta("batch/v1", "CronJob")
                + "spec:\n  schedule: \"0 3 * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n"
                + &pod_spec(&image, rng, "          ")
        }
        SmallKind::Pod => meta("v1", "Pod") + "spec:\n" + &pod_spec(&image, rng, "  "),
        SmallKind::Subscription => {
            meta("operators.coreos.com/v1alpha1", "Subscription")
                + &format!(
                    "spec:\n  channel: stable\n  installPlanApproval: Automatic\n  name: {name}-operator\n  source: redhat-operators\n  sourceNamespace: openshift-marketplace\n"
                )
        }
        SmallKind::OperatorGroup => {
            meta("operators.coreos.com/v1", "OperatorGroup")
                + &format!("spec:\n  targetNamespaces:\n  - {ns}\n")
        }
        SmallKind::ConfigMap => {
            let mut s = meta("v1", "ConfigMap") + "data:\n";
            for k in 0..rng.usize(2..8) {
                let _ = writeln!(s, "  key-{k}: \"value {:016x}\"", rng.u64(..));
            }
            s.push_str("  app.properties: |\n");
            for k in 0..rng.usize(2..10) {
                let _ = writeln!(s, "    setting.{k}={:08x}", rng.u32(..));
            }
            s
        }
        SmallKind::Secret => {
            meta("v1", "Secret")
                + &format!(
                    "type: Opaque\nstringData:\n  username: {name}\n  password: \"s3cr3t-{:08x}\"\n",
                    rng.u32(..)
                )
        }
        SmallKind::PersistentVolumeClaim => {
            meta("v1", "PersistentVolumeClaim")
                + &format!(
                    "spec:\n  accessModes: [ReadWriteOnce]\n  storageClassName: gp3-csi\n  resources:\n    requests:\n      storage: {}Gi\n",
                    rng.u8(1..50)
                )
        }
        SmallKind::ServiceAccount => meta("v1", "ServiceAccount"),
        SmallKind::RoleBinding => {
            meta("rbac.authorization.k8s.io/v1", "RoleBinding")
                + &format!(
                    "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: {name}\nsubjects:\n- kind: ServiceAccount\n  name: {name}\n  namespace: {ns}\n"
                )
        }
        SmallKind::ClusterRoleBinding => {
            cluster_meta(
                "rbac.authorization.k8s.io/v1",
                "ClusterRoleBinding",
                &format!("{ns}-{name}"),
            ) + &format!(
                "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: {ns}-{name}\nsubjects:\n- kind: ServiceAccount\n  name: {name}\n  namespace: {ns}\n"
            )
        }
        SmallKind::ClusterRole => {
            cluster_meta(
                "rbac.authorization.k8s.io/v1",
                "ClusterRole",
                &format!("{ns}-{name}"),
            ) + "rules:\n- apiGroups: [\"\"]\n  resources: [pods, services, configmaps]\n  verbs: [get, list, watch]\n"
        }
        SmallKind::Role => {
            meta("rbac.authorization.k8s.io/v1", "Role")
                + "rules:\n- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [get, list]\n"
        }
        SmallKind::Route => {
            meta("route.openshift.io/v1", "Route")
                + &format!(
                    "spec:\n  host: {name}-{ns}.apps.example.com\n  to:\n    kind: Service\n    name: {name}\n  port:\n    targetPort: http\n  tls:\n    termination: edge\n"
                )
        }
        SmallKind::NetworkPolicy => {
            meta("networking.k8s.io/v1", "NetworkPolicy")
                + &format!(
                    "spec:\n  podSelector:\n    matchLabels:\n      app.kubernetes.io/name: {name}\n  policyTypes: [Ingress]\n  ingress:\n  - from:\n    - podSelector: {{}}\n    ports:\n    - {{protocol: TCP, port: 8080}}\n"
                )
        }
        SmallKind::EgressFirewall => format!(
            "apiVersion: k8s.ovn.org/v1\nkind: EgressFirewall\nmetadata:\n  name: default\n  namespace: {ns}\nspec:\n  egress:\n  - type: Allow\n    to:\n      cidrSelector: 10.{}.0.0/16\n  - type: Deny\n    to:\n      cidrSelector: 192.0.2.0/24\n",
            rng.u8(0..=255)
        ),
        SmallKind::StorageClass => {
            cluster_meta("storage.k8s.io/v1", "StorageClass", &format!("{ns}-{name}"))
                + "provisioner: ebs.csi.aws.com\nparameters:\n  type: gp3\nreclaimPolicy: Delete\nvolumeBindingMode: WaitForFirstConsumer\n"
        }
        SmallKind::ImageStream => {
            meta("image.openshift.io/v1", "ImageStream")
                + "spec:\n  lookupPolicy:\n    local: true\n"
        }
        SmallKind::BuildConfig => {
            meta("build.openshift.io/v1", "BuildConfig")
                + &format!(
                    "spec:\n  source:\n    git:\n      uri: https://git.example.com/shop/{name}.git\n      ref: main\n  strategy:\n    dockerStrategy: {{}}\n  output:\n    to:\n      kind: ImageStreamTag\n      name: {name}:latest\n  triggers:\n  - type: ConfigChange\n"
                )
        }
        SmallKind::Ingress => {
            meta("networking.k8s.io/v1", "Ingress")
                + &format!(
                    "spec:\n  rules:\n  - host: {name}.example.com\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service:\n            name: {name}\n            port:\n              number: 80\n"
                )
        }
        SmallKind::ResourceQuota => {
            meta("v1", "ResourceQuota")
                + "spec:\n  hard:\n    requests.cpu: \"4\"\n    requests.memory: 8Gi\n    pods: \"20\"\n"
        }
        SmallKind::LimitRange => {
            meta("v1", "LimitRange")
                + "spec:\n  limits:\n  - type: Container\n    default:\n      memory: 256Mi\n    defaultRequest:\n      cpu: 50m\n"
        }
        SmallKind::HorizontalPodAutoscaler => {
            meta("autoscaling/v2", "HorizontalPodAutoscaler")
                + &format!(
                    "spec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: {name}\n  minReplicas: 1\n  maxReplicas: 5\n"
                )
        }
        SmallKind::Application => format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {ns}-{name}\n  namespace: openshift-gitops\nspec:\n  project: default\n  source:\n    repoURL: https://git.example.com/shop/deploy.git\n    targetRevision: main\n    path: apps/{name}\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: {ns}\n  syncPolicy:\n    automated: {{prune: true, selfHeal: true}}\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The small shape is what `benches/whole-lint.sh --shape small` promises: files of
    /// 0.3–2 KB holding one or two objects, every kind of the table drawn, most files single.
    #[test]
    fn small_files_hold_one_or_two_objects_of_real_kinds_in_0_3_to_2_kb() {
        let mut rng = fastrand::Rng::with_seed(7);
        let mut kinds = std::collections::BTreeSet::new();
        let mut two = 0;
        let mut bytes = 0;
        for i in 0..5000 {
            let text = small_file(&format!("ns-{}", i / 20), i, &mut rng);
            assert!(
                (300..=2048).contains(&text.len()),
                "{} bytes:\n{text}",
                text.len()
            );
            let objects =
                text.matches("\nkind: ").count() + usize::from(text.starts_with("kind: "));
            let documents = text.split("---\n").count();
            assert!(documents == 1 || documents == 2, "{text}");
            assert_eq!(objects, documents, "{text}");
            two += usize::from(documents == 2);
            bytes += text.len();
            kinds.extend(
                text.lines()
                    .filter_map(|l| l.strip_prefix("kind: "))
                    .map(str::to_owned),
            );
        }
        assert_eq!(kinds.len(), SMALL_KINDS.len(), "{kinds:?}");
        assert!(
            (500..1500).contains(&two),
            "{two} files of two objects in 5,000"
        );
        assert!(
            (800..1300).contains(&(bytes / 5000)),
            "{} bytes a file",
            bytes / 5000
        );
    }
}
