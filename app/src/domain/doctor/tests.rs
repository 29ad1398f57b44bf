use super::catalogue::{ERRORS, Meaning, TEMPLATES, classify, classify_error, matches};
use super::*;
use crate::domain::registry_config::form::StorageSummary;

/// A template's text with each format verb filled in, as the operator would write it.
fn filled(template: &str) -> String {
    let mut out = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '%' && chars.peek().is_some_and(|n| "svqdw".contains(*n)) {
            let verb = chars.next().unwrap_or('s');
            out.push_str(match verb {
                'd' => "2",
                'q' => "\"openshift-image-registry/x\"",
                _ => "sample-value",
            });
        } else {
            out.push(c);
        }
    }
    out
}

/// The whole table: every message template of the operator (read at commit 02bb5c2, each
/// named with its source line) is known, and means what the catalogue says: none falls
/// back to the raw-text finding.
#[test]
fn every_operator_template_is_known_and_means_what_it_says() {
    for template in TEMPLATES {
        let statuses: Vec<&str> = if template.status == "*" {
            vec!["True", "False", "Unknown"]
        } else {
            vec![template.status]
        };
        for kind in template.types {
            for status in &statuses {
                let reason = filled(template.reason);
                let message = filled(template.message);
                let (class, known) = classify(kind, status, &reason, &message);
                assert!(
                    known,
                    "{} {kind} {status} {reason:?} {message:?}: unknown",
                    template.source
                );
                let wanted = match template.meaning {
                    Meaning::Healthy => None,
                    Meaning::Finding(c) => Some(c),
                    // The sample's wrapped text is no error template: the wrapping class.
                    Meaning::Wraps(c) => Some(c),
                };
                // Several templates share a text (`Error: %s` for two reasons): what counts
                // is that the first match means the same.
                if class != wanted {
                    let first = TEMPLATES
                        .iter()
                        .find(|t| {
                            t.types.contains(kind)
                                && (t.status == "*" || t.status == *status)
                                && matches(t.reason, &reason)
                                && matches(t.message, &message)
                        })
                        .map(|t| t.source);
                    panic!(
                        "{} {kind} {status} {reason:?} {message:?}: {class:?}, wanted {wanted:?} (first match: {first:?})",
                        template.source
                    );
                }
                if let Some(class) = class {
                    assert!(super::class(class).is_some(), "{class} is not a class");
                }
            }
        }
    }
}

/// Every wrapped error text the operator writes is known, inside the message that wraps it.
#[test]
fn every_wrapped_error_is_known() {
    for error in ERRORS {
        let text = filled(error.text);
        let (class, known) = classify_error(&text, "operator.apply_failed");
        let wanted = match error.meaning {
            Meaning::Healthy => None,
            Meaning::Finding(c) | Meaning::Wraps(c) => Some(c),
        };
        assert!(known);
        assert_eq!(class, wanted, "{} {text:?}", error.source);
        // And through the Progressing message, as the operator reports it.
        let (through, known) = classify(
            "Progressing",
            "True",
            "Error",
            &format!("Unable to apply resources: {text}"),
        );
        assert!(known);
        assert_eq!(through, wanted, "{}", error.source);
    }
}

#[test]
fn the_operators_real_chains_name_the_cause() {
    let cases = [
        (
            "Progressing",
            "True",
            "Error",
            "Unable to apply resources: unable to sync storage configuration: persistentvolumeclaims \"registry\" not found",
            "storage.pvc_missing",
        ),
        (
            "Progressing",
            "True",
            "Error",
            "Unable to apply resources: unable to sync storage configuration: secret \"openshift-image-registry/image-registry-private-configuration-user\" does not contain required key \"REGISTRY_STORAGE_S3_SECRETKEY\"",
            "credentials.key_missing",
        ),
        (
            "Progressing",
            "True",
            "Error",
            "Unable to apply resources: unable to sync storage configuration: exactly one storage type should be configured at the same time, got 2: [EmptyDir S3]",
            "storage.two_types",
        ),
        (
            "StorageExists",
            "False",
            "PVC Issues Found",
            "cannot use ReadWriteOnce access mode with more than one replica of the image registry",
            "storage.rwo_replicas",
        ),
        (
            "StorageExists",
            "False",
            "PVC Issues Found",
            "cannot use ReadWriteOnce access mode with RollingUpdate rollout strategy",
            "storage.rwo_rolling",
        ),
        (
            "StorageExists",
            "False",
            "InvalidAccessKeyId",
            "InvalidAccessKeyId: The AWS Access Key Id you provided does not exist in our records.\n\tstatus code: 403",
            "storage.s3_error",
        ),
        (
            "Degraded",
            "True",
            "StorageNotConfigured",
            "Error: storage backend not configured",
            "storage.not_configured",
        ),
        (
            "Available",
            "False",
            "VerificationFailed",
            "Error: unable to complete resource: replicas must be greater than or equal to 0",
            "spec.invalid",
        ),
    ];
    for (kind, status, reason, message, class) in cases {
        assert_eq!(
            classify(kind, status, reason, message),
            (Some(class), true),
            "{message}"
        );
    }
    assert_eq!(
        classify("Available", "True", "Ready", "The registry is ready"),
        (None, true)
    );
    // A message no template knows is still a finding, with its text.
    assert_eq!(
        classify(
            "Degraded",
            "True",
            "Unavailable",
            "The deployment does not exist"
        ),
        (Some("workload.unavailable"), true),
        "Degraded=True Unavailable carries any Available message"
    );
    assert_eq!(
        classify("Degraded", "True", "Surprise", "something new"),
        (Some("condition.unknown"), false)
    );
    assert_eq!(
        classify("FutureCondition", "True", "X", "y"),
        (Some("condition.unknown"), false)
    );
}

#[test]
fn every_class_has_its_words_in_both_languages() {
    use crate::i18n::Lang;
    for class in CLASSES {
        for part in ["title", "explain", "fix"] {
            let key = format!("doctor.{}.{part}", class.id);
            for lang in [Lang::En, Lang::Ja] {
                assert!(
                    crate::i18n::has_key(lang, &key),
                    "{key} missing in {lang:?}"
                );
            }
        }
    }
}

fn condition(kind: &str, status: &str, reason: &str, message: &str, at: &str) -> TimedCondition {
    TimedCondition {
        kind: kind.into(),
        status: status.into(),
        reason: reason.into(),
        message: message.into(),
        last_transition: Some(at.into()),
    }
}

fn registry(storage: &str, replicas: i64, conditions: Vec<TimedCondition>) -> RegistrySummary {
    RegistrySummary {
        management_state: "Managed".into(),
        storage: StorageSummary {
            kind: Some(storage.into()),
            details: Vec::new(),
            ..Default::default()
        },
        replicas,
        conditions,
        ..Default::default()
    }
}

const NOW: &str = "2026-12-02T10:10:00Z";

#[test]
fn a_pending_claim_says_why_with_the_binders_event() {
    let config = registry(
        "pvc",
        1,
        vec![
            condition(
                "Available",
                "False",
                "NoReplicasAvailable",
                "The deployment does not have available replicas",
                "2026-12-02T10:08:00Z",
            ),
            condition("Degraded", "False", "", "", "2026-12-02T10:00:00Z"),
        ],
    );
    let claims = [ClaimRow {
        name: "image-registry-storage".into(),
        phase: "Pending".into(),
        storage_class: "gone".into(),
        ..Default::default()
    }];
    let events = [EventRow {
        kind: "Warning".into(),
        reason: "ProvisioningFailed".into(),
        object: "PersistentVolumeClaim/image-registry-storage".into(),
        message: "storageclass.storage.k8s.io \"gone\" not found".into(),
        count: 3,
        last_seen: Some("2026-12-02T10:09:00Z".into()),
    }];
    let input = DoctorInput {
        now: NOW,
        registry: Some(&config),
        claims: Some(&claims),
        events: Some(&events),
        ..Default::default()
    };
    let found = diagnose(&input);
    let claim = found
        .findings
        .iter()
        .find(|f| f.class == "claim.pending")
        .expect("claim finding");
    assert_eq!(claim.severity, Severity::Critical);
    assert!(
        claim
            .evidence
            .iter()
            .any(|e| e.text.contains("\"gone\" not found"))
    );
    assert_eq!(claim.fix.as_ref().map(|f| f.page), Some(Page::Storage));
    // The operator's clock: 2 of 5 minutes gone.
    let soon = found
        .findings
        .iter()
        .find(|f| f.class == "workload.degraded_soon")
        .expect("inertia");
    assert_eq!(soon.params, [("minutes".to_string(), "3".to_string())]);
    // Critical first.
    assert_eq!(found.findings[0].severity, Severity::Critical);
    assert_eq!(Severity::exit_code(found.worst()), 2);
}

#[test]
fn a_crash_loop_names_its_last_log_line_and_a_change_it_followed() {
    let pods = [PodRow {
        name: "image-registry-1".into(),
        phase: "Running".into(),
        containers: vec!["registry".into()],
        restarts: 4,
        waiting_reason: "CrashLoopBackOff".into(),
        started: Some("2026-12-02T10:05:00Z".into()),
        ..Default::default()
    }];
    let lines = [PodLogLine {
        pod: "image-registry-1".into(),
        line: LogLine {
            at: "2026-12-02T10:06:00Z".into(),
            text: "panic: s3aws: InvalidAccessKeyId: The AWS Access Key Id you provided does not exist".into(),
        },
    }];
    let changes = [RecentChange {
        change_id: "c-1".into(),
        at: "2026-12-02T10:04:00Z".into(),
        actor: "Sandbox Admin".into(),
        objects: vec!["Secret image-registry-private-configuration-user".into()],
    }];
    let input = DoctorInput {
        now: NOW,
        pods: Some(&pods),
        log_errors: Some(&lines),
        changes: &changes,
        thresholds: Thresholds::default(),
        ..Default::default()
    };
    let found = diagnose(&input);
    let crash = found
        .findings
        .iter()
        .find(|f| f.class == "pod.crash_loop")
        .expect("crash loop");
    assert!(
        crash
            .evidence
            .iter()
            .any(|e| e.kind == EvidenceKind::Log && e.text.contains("InvalidAccessKeyId"))
    );
    assert_eq!(
        crash.after_change.as_ref().map(|c| c.change_id.as_str()),
        Some("c-1")
    );
    let key = found
        .findings
        .iter()
        .find(|f| f.class == "log.s3_credentials")
        .expect("the log line's meaning");
    assert_eq!(
        key.params,
        [("error".to_string(), "InvalidAccessKeyId".to_string())]
    );
}

#[test]
fn the_cluster_operators_lines_are_split_and_matched() {
    let operator = [
        condition(
            "Degraded",
            "True",
            "ImagePrunerJobFailed::Unavailable",
            "Degraded: The deployment does not exist\nImagePrunerDegraded: Job has reached the specified backoff limit",
            "2026-12-02T10:00:00Z",
        ),
        condition(
            "Progressing",
            "True",
            "Error",
            "Progressing: Unable to apply resources: unable to sync storage configuration: NoSuchBucket: The specified bucket does not exist\nProgressing: \tstatus code: 404, request id: , host id: ",
            "2026-12-02T10:00:00Z",
        ),
    ];
    let input = DoctorInput {
        now: NOW,
        operator: Some(&operator),
        ..Default::default()
    };
    let classes: Vec<String> = diagnose(&input)
        .findings
        .into_iter()
        .map(|f| f.class)
        .collect();
    for wanted in [
        "workload.unavailable",
        "pruner.job_failed",
        "storage.sync_failed",
    ] {
        assert!(
            classes.contains(&wanted.to_string()),
            "{wanted} in {classes:?}"
        );
    }
}

#[test]
fn fixes_are_prefilled_where_safe_with_their_oc_command() {
    let config = registry(
        "pvc",
        2,
        vec![condition(
            "StorageExists",
            "False",
            "PVC Issues Found",
            "cannot use ReadWriteOnce access mode with more than one replica of the image registry",
            "2026-12-02T10:00:00Z",
        )],
    );
    let input = DoctorInput {
        now: NOW,
        registry: Some(&config),
        ..Default::default()
    };
    let found = diagnose(&input);
    let rwo = found
        .findings
        .iter()
        .find(|f| f.class == "storage.rwo_replicas")
        .expect("rwo");
    let fix = rwo.fix.as_ref().expect("fix");
    assert_eq!(fix.href(), "/configuration?spec.replicas=1");
    assert_eq!(
        fix.oc.as_deref(),
        Some(
            "oc patch configs.imageregistry.operator.openshift.io cluster --type merge -p '{\"spec\":{\"replicas\":1}}'"
        )
    );
}

#[test]
fn certificates_routes_and_cas() {
    use crate::domain::certificate::CertificateInfo;
    let cert = |days_left: i64, names: &[&str]| ShownCertificate {
        info: CertificateInfo {
            subject: "CN=r".into(),
            issuer: "CN=ca".into(),
            not_before: String::new(),
            not_after: "2027-01-01T00:00:00Z".into(),
            sha256_fingerprint: String::new(),
            dns_names: names.iter().map(|s| s.to_string()).collect(),
            ip_addresses: Vec::new(),
            is_ca: false,
            self_signed: false,
            serial: String::new(),
        },
        days_left,
        not_yet_valid: false,
    };
    let routes = [
        RouteCheck {
            name: "a".into(),
            host: "a.example.com".into(),
            certificate: Some(cert(-1, &["a.example.com"])),
        },
        RouteCheck {
            name: "b".into(),
            host: "b.example.com".into(),
            certificate: Some(cert(10, &["*.example.com"])),
        },
        RouteCheck {
            name: "c".into(),
            host: "c.other.com".into(),
            certificate: Some(cert(200, &["*.example.com"])),
        },
    ];
    let cas = [TrustedCa {
        key: "registry.example.com.5000".into(),
        certificates: Ok(vec![cert(-3, &[])]),
    }];
    let input = DoctorInput {
        now: NOW,
        routes: Some(&routes),
        trusted_cas: Some(&cas),
        ..Default::default()
    };
    let classes: Vec<(String, Vec<(String, String)>)> = diagnose(&input)
        .findings
        .into_iter()
        .map(|f| (f.class, f.params))
        .collect();
    let has = |class: &str, route: &str| {
        classes.iter().any(|(c, p)| {
            c == class
                && p.iter()
                    .any(|(k, v)| (k == "route" || k == "key") && v == route)
        })
    };
    assert!(has("route.cert_expired", "a"));
    assert!(has("route.cert_expiring", "b"));
    assert!(has("route.cert_host", "c"));
    assert!(!has("route.cert_host", "b"), "the wildcard covers b");
    assert!(has("ca.key_port", "registry.example.com.5000"));
    assert!(has("ca.expired", "registry.example.com.5000"));
    assert_eq!(port_key_meant("registry.example.com..5000"), None);
    assert_eq!(port_key_meant("registry.example.com"), None);
    assert!(
        !covers(&["*.example.com".into()], "a.b.example.com"),
        "one label only"
    );
}

#[test]
fn metrics_over_their_thresholds_and_an_ephemeral_store() {
    let config = registry("emptyDir", 2, Vec::new());
    let input = DoctorInput {
        now: NOW,
        registry: Some(&config),
        metrics: Some(MetricFacts {
            error_percent: Some(3.5),
            p99_seconds: Some(2.5),
            window_seconds: 300,
        }),
        thresholds: Thresholds::default(),
        ..Default::default()
    };
    let classes: Vec<String> = diagnose(&input)
        .findings
        .into_iter()
        .map(|f| f.class)
        .collect();
    for wanted in [
        "metrics.errors",
        "metrics.slow",
        "emptydir.replicas",
        "emptydir.ephemeral",
    ] {
        assert!(
            classes.contains(&wanted.to_string()),
            "{wanted} in {classes:?}"
        );
    }
    let quiet = DoctorInput {
        metrics: Some(MetricFacts {
            error_percent: Some(0.5),
            p99_seconds: Some(0.1),
            window_seconds: 300,
        }),
        ..input
    };
    assert!(
        !diagnose(&quiet)
            .findings
            .iter()
            .any(|f| f.class.starts_with("metrics."))
    );
}

#[test]
fn templates_match_with_their_verbs_filled_and_nothing_else() {
    use super::catalogue::{matches, wrapped};
    assert!(matches("plain text", "plain text"));
    assert!(!matches("plain text", "plain text and more"));
    assert!(matches("%s", "anything at all"));
    assert!(matches("%s", ""));
    assert!(matches("a %s b", "a x b"));
    assert!(matches("a %s b", "a  b"), "a verb may be empty");
    assert!(!matches("a %s b", "a b"));
    assert!(matches("%s: %v (%d)", "err: boom (3)"));
    assert!(!matches("%s: %v (%d)", "err boom (3)"));
    assert!(
        matches("100%% sure %s", "100%% sure yes"),
        "%% is not a verb"
    );
    assert_eq!(
        wrapped(
            "Unable to apply resources: %s",
            "Unable to apply resources: boom"
        ),
        Some("boom")
    );
    assert_eq!(wrapped("no verb", "no verb"), None);
    assert_eq!(wrapped("x %s y", "x inner y"), Some("inner"));
}
