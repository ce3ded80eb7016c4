//! Generates a realistic manifest repository for benchmarks (issue: speed at scale).
//!
//! `cargo run --release --example gen_corpus -- --files 2000 --out /tmp/corpus [--seed 7] [--payload-kb 8]`
//!
//! Two clusters (source, target) with a `.dvmlint.yaml`, MigPlans, MigrationControllers,
//! a cluster Proxy, per-namespace folders of Deployments, Services, ConfigMaps with
//! multi-line payloads (`--payload-kb`, the part no rule reads), NetworkPolicies,
//! EgressFirewalls, multi-document files and `List` files. Deterministic from the seed.

use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

struct Options {
    files: usize,
    out: PathBuf,
    seed: u64,
    payload_kb: usize,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        files: 1000,
        out: PathBuf::from("corpus"),
        seed: 7,
        payload_kb: 8,
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
            other => return Err(format!("unknown option {other}")),
        }
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
