//! The simulator follows the vendor references: the command forms it accepts and refuses,
//! objects a line may reference, operator configuration it keeps, the EOS personality and
//! the host keys it offers.

use std::time::Duration;

use kurnl_switch::cli::CliSession;
use kurnl_switch::sim::{SimConfig, SwitchSim, Vendor};
use kurnl_switch::{Credentials, KnownHosts, SshOptions};

async fn sim(vendor: Vendor) -> SwitchSim {
    SwitchSim::start(SimConfig::new(vendor))
        .await
        .expect("start simulator")
}

async fn cli(sim: &SwitchSim) -> CliSession {
    let c = sim.config();
    let shell = kurnl_switch::transport::connect(
        &sim.switch_record("x"),
        &Credentials::password(&c.username, &c.password),
        &SshOptions::default(),
        &KnownHosts::new(),
    )
    .await
    .expect("connect");
    let mut cli = CliSession::new(
        shell,
        kurnl_switch::ios::ios_patterns(),
        Duration::from_secs(10),
    );
    cli.wait_prompt().await.expect("prompt");
    cli
}

#[tokio::test]
async fn eos_configures_an_access_port_over_ssh() {
    let sim = sim(Vendor::Eos).await;
    let mut cli = cli(&sim).await;
    let pagination = cli.run("terminal length 0").await.expect("paging").text();
    assert!(pagination.contains("Pagination disabled"), "{pagination}");
    for line in [
        "configure",
        "interface Ethernet2",
        "description SUB-42",
        "switchport mode access",
        "switchport access vlan 100",
        "spanning-tree portfast",
        "shutdown",
    ] {
        let reply = cli.run(line).await.expect("line").text();
        assert!(!reply.contains('%'), "EOS refused {line:?}: {reply}");
    }
    let bad = cli.run("switchport access vlan 5000").await.expect("line");
    assert!(
        bad.text().contains("% Invalid input"),
        "VLAN 5000 is out of range: {}",
        bad.text()
    );
    let bare = cli.run("no switchport port-security").await.expect("line");
    assert!(bare.text().contains("% Invalid input"), "{}", bare.text());
    cli.run("end").await.expect("end");
    let shown = cli
        .run("show running-config interfaces Ethernet2")
        .await
        .expect("show")
        .text();
    assert_eq!(
        shown.trim_end(),
        "interface Ethernet2\n   description SUB-42\n   switchport access vlan 100\n   spanning-tree portfast\n   shutdown",
        "EOS running config of Ethernet2"
    );
    cli.close().await;
    let port = sim.port("Ethernet2").expect("port state");
    assert_eq!(port.vlan.get(), 100);
    assert!(!port.enabled);
    assert_eq!(port.description.as_str(), "SUB-42");
    assert_eq!(
        sim.port("Et1").map(|p| p.vlan.get()),
        Some(999),
        "Et1 untouched"
    );
}

#[tokio::test]
async fn ios_no_forms_need_the_argument_the_reference_writes() {
    let sim = sim(Vendor::Ios).await;
    let port = "interface GigabitEthernet1/0/1";
    sim.operator(&[
        port,
        "switchport port-security maximum 2",
        "switchport port-security violation restrict",
    ])
    .expect("operator lines");
    for bare in [
        "no switchport port-security maximum",
        "no switchport port-security violation",
        "no service-policy input",
    ] {
        let e = sim.operator(&[port, bare]).expect_err(bare);
        assert!(e.contains("% Incomplete command"), "{bare}: {e}");
    }
    sim.operator(&[port, "no switchport port-security violation restrict"])
        .expect("no form with its argument");
    sim.operator(&[port, "no switchport port-security maximum 2"])
        .expect("no form with its value");
    let running = sim.running_config("GigabitEthernet1/0/1").join("\n");
    assert!(!running.contains("port-security"), "{running}");
}

#[tokio::test]
async fn ios_service_policy_needs_an_existing_policy_map() {
    let sim = sim(Vendor::Ios).await;
    let port = "interface GigabitEthernet1/0/1";
    let e = sim
        .operator(&[port, "service-policy input SUB-UP-50000K"])
        .expect_err("undefined policy-map");
    assert!(e.contains("policy map SUB-UP-50000K not configured"), "{e}");

    let e = sim
        .operator(&["policy-map SUB-UP-50000K", "class ANY"])
        .expect_err("undefined class-map");
    assert!(e.contains("class-map ANY not configured"), "{e}");
    let e = sim
        .operator(&["policy-map P", "class class-default", "police cir 10"])
        .expect_err("cir below the range");
    assert!(e.contains("% Invalid input"), "{e}");

    sim.operator(&[
        "policy-map SUB-UP-50000K",
        "class class-default",
        "police cir 50000000 bc 1562500 conform-action transmit exceed-action drop",
        "exit",
        "exit",
        port,
        "service-policy input SUB-UP-50000K",
    ])
    .expect("policy-map created, then attached");
    let full = sim.full_config().join("\n");
    assert!(
        full.contains("policy-map SUB-UP-50000K\n class class-default\n  police cir 50000000"),
        "{full}"
    );
    assert!(
        sim.running_config("GigabitEthernet1/0/1")
            .contains(&" service-policy input SUB-UP-50000K".to_owned())
    );
}

#[tokio::test]
async fn ios_keeps_operator_lines_and_the_secure_mac_limit() {
    let sim = sim(Vendor::Ios).await;
    let port = "interface GigabitEthernet1/0/3";
    sim.operator(&[
        port,
        "spanning-tree portfast",
        "storm-control broadcast level 5",
        "switchport port-security mac-address 0011.2233.4455",
    ])
    .expect("operator lines");
    let e = sim
        .operator(&[port, "switchport port-security mac-address 0011.2233.4466"])
        .expect_err("second secure MAC beyond maximum 1");
    assert!(e.contains("reached maximum limit"), "{e}");
    let running = sim.running_config("GigabitEthernet1/0/3");
    assert!(
        running.contains(&" spanning-tree portfast".to_owned()),
        "{running:?}"
    );
    assert!(
        running.contains(&" storm-control broadcast level 5".to_owned()),
        "{running:?}"
    );
}

#[tokio::test]
async fn junos_checks_references_and_access_members_at_commit() {
    let sim = sim(Vendor::Junos).await;
    let esw = "interfaces ge-0/0/1 unit 0 family ethernet-switching";
    let e = sim
        .operator(&[&format!("set {esw} filter input SUB-UP-50000K")])
        .expect_err("undefined filter");
    assert!(
        e.contains("Referenced filter 'SUB-UP-50000K' is not defined"),
        "{e}"
    );
    let e = sim
        .operator(&[
            "set firewall family ethernet-switching filter F term all then policer P",
            "set firewall family ethernet-switching filter F term all then accept",
        ])
        .expect_err("undefined policer");
    assert!(e.contains("Referenced policer 'P' is not defined"), "{e}");
    let e = sim
        .operator(&["set firewall policer P if-exceeding bandwidth-limit 50m"])
        .expect_err("policer without burst");
    assert!(
        e.contains("Missing mandatory statement: 'burst-size-limit'"),
        "{e}"
    );
    let e = sim
        .operator(&[
            "set vlans v100 vlan-id 100",
            &format!("set {esw} vlan members v100"),
        ])
        .expect_err("second member on an access port");
    assert!(e.contains("more than one vlan member"), "{e}");
    let e = sim
        .operator(&["set firewall policer P then reject"])
        .expect_err("not in the grammar");
    assert!(e.contains("syntax error"), "{e}");

    sim.operator(&[
        "set firewall policer P if-exceeding bandwidth-limit 50m",
        "set firewall policer P if-exceeding burst-size-limit 625k",
        "set firewall policer P then discard",
        "set firewall family ethernet-switching filter SUB-UP-50000K interface-specific",
        "set firewall family ethernet-switching filter SUB-UP-50000K term all then policer P",
        &format!("set {esw} filter input SUB-UP-50000K"),
        "set switch-options interface ge-0/0/1.0 persistent-learning",
        "set class-of-service schedulers BE transmit-rate percent 50",
        "set class-of-service scheduler-maps OPS forwarding-class best-effort scheduler BE",
        "set class-of-service interfaces ge-0/0/1 scheduler-map OPS",
    ])
    .expect("defined objects commit");
    let full = sim.full_config();
    assert!(
        full.contains(&"set switch-options interface ge-0/0/1.0 persistent-learning".to_owned()),
        "{full:?}"
    );
    let e = sim
        .operator(&["set class-of-service interfaces ge-0/0/2 scheduler-map NONE"])
        .expect_err("undefined scheduler-map");
    assert!(e.contains("Referenced scheduler-map 'NONE'"), "{e}");
}

#[tokio::test]
async fn junos_display_set_match_pipes_over_ssh() {
    let sim = sim(Vendor::Junos).await;
    let mut cli = CliSession::new(
        kurnl_switch::transport::connect(
            &sim.switch_record("x"),
            &Credentials::password(&sim.config().username, &sim.config().password),
            &SshOptions::default(),
            &KnownHosts::new(),
        )
        .await
        .expect("connect"),
        kurnl_switch::junos::junos_patterns(),
        Duration::from_secs(10),
    );
    cli.wait_prompt().await.expect("prompt");
    cli.run("set cli screen-length 0").await.expect("paging");
    let text = cli
        .run("show configuration | display set | match \"ge-0/0/2[ .]|vlan-id\"")
        .await
        .expect("show")
        .text();
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("set ")).collect();
    assert_eq!(
        lines,
        [
            "set interfaces ge-0/0/2 description CAPTIVE",
            "set interfaces ge-0/0/2 unit 0 family ethernet-switching interface-mode access",
            "set interfaces ge-0/0/2 unit 0 family ethernet-switching vlan members v999",
            "set vlans v999 vlan-id 999",
        ],
        "{text}"
    );
    // Without `| display set` the configuration comes in braces, relative to the path.
    let text = cli
        .run("show configuration interfaces ge-0/0/2")
        .await
        .expect("show")
        .text();
    let body: Vec<&str> = text
        .lines()
        .filter(|l| !l.is_empty() && !l.contains('@'))
        .collect();
    assert_eq!(
        body,
        [
            "description CAPTIVE;",
            "unit 0 {",
            "    family ethernet-switching {",
            "        interface-mode access;",
            "        vlan {",
            "            members v999;",
            "        }",
            "    }",
            "}",
        ],
        "{text}"
    );
    cli.close().await;
}

#[tokio::test]
async fn the_simulator_offers_an_rsa_and_an_ed25519_host_key() {
    let sim = sim(Vendor::Ios).await;
    let rsa = sim.rsa_host_key().expect("rsa key");
    assert!(rsa.starts_with("ssh-rsa "), "{rsa}");
    assert!(sim.host_key().starts_with("ssh-ed25519 "));
    assert_ne!(sim.rsa_fingerprint(), Some(sim.fingerprint()));
    let mut config = SimConfig::new(Vendor::Ios);
    config.rsa_host_key = false;
    let ed_only = SwitchSim::start(config).await.expect("start");
    assert_eq!(ed_only.rsa_host_key(), None);
}
