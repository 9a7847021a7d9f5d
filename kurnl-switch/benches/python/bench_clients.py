"""Times netmiko / scrapli on the switch-cli.md section 7 scenarios against a kurnl simulator.

usage: bench_clients.py netmiko|scrapli ios|junos HOST PORT USER PASSWORD SCENARIO PORTS REPS

Prints one JSON object: {"seconds": <median>, "runs": [...]}. The ports start in state A
(see benches/scenarios.rs); every run toggles them A -> B -> A ... with the same lines the kurnl
drivers send for that change, then saves (IOS `write memory`) or commits (Junos).
"""

import json
import statistics
import sys
import time

TIERS = {"A": (100, 50000, 100000), "B": (101, 10000, 20000)}


def mac(k):
    return f"00:11:22:33:{k // 256:02x}:{k % 256:02x}"


def cisco_mac(k):
    m = mac(k).replace(":", "")
    return f"{m[0:4]}.{m[4:8]}.{m[8:12]}"


def port_lines(vendor, k, frm, to):
    v0, up0, down0 = TIERS[frm]
    v1, up1, down1 = TIERS[to]
    if vendor == "ios":
        return [
            f"interface GigabitEthernet1/0/{k + 1}",
            f"description SUB-{to}{k}",
            f"switchport access vlan {v1}",
            f"no service-policy input SUB-UP-{up0}K",
            f"service-policy input SUB-UP-{up1}K",
            f"no service-policy output SUB-DOWN-{down0}K",
            f"service-policy output SUB-DOWN-{down1}K",
        ]
    i = f"ge-0/0/{k + 1}"
    esw = f"interfaces {i} unit 0 family ethernet-switching"
    return [
        f"set interfaces {i} description SUB-{to}{k}",
        f"delete vlans v{v0} switch-options interface {i}.0 static-mac {mac(k)}",
        f"delete {esw} vlan members",
        f"set {esw} vlan members v{v1}",
        f"set {esw} filter input SUB-UP-{up1}K",
        f"set class-of-service interfaces {i} shaping-rate {down1}k",
        f"set vlans v{v1} switch-options interface {i}.0 static-mac {mac(k)}",
    ]


class Netmiko:
    def __init__(self, vendor, host, port, user, password):
        self.vendor, self.args = vendor, dict(host=host, port=port, username=user, password=password)

    def connect(self):
        from netmiko import ConnectHandler

        dt = "cisco_ios" if self.vendor == "ios" else "juniper_junos"
        return ConnectHandler(device_type=dt, **self.args)

    def configure(self, conn, lines):
        if self.vendor == "ios":
            conn.send_config_set(lines)
            conn.save_config()
        else:
            conn.send_config_set(lines, exit_config_mode=False)
            conn.commit()
            conn.exit_config_mode()

    def close(self, conn):
        conn.disconnect()


class Scrapli:
    def __init__(self, vendor, host, port, user, password):
        self.vendor, self.host, self.port, self.user, self.password = vendor, host, port, user, password

    def connect(self):
        from scrapli import AuthOptions, Cli

        cli = Cli(
            self.host,
            port=self.port,
            definition_file_or_name="cisco_iosxe" if self.vendor == "ios" else "juniper_junos",
            auth_options=AuthOptions(username=self.user, password=self.password),
        )
        cli.open()
        return cli

    def configure(self, cli, lines):
        if self.vendor == "ios":
            r = cli.send_inputs(lines, requested_mode="configuration")
            if r.failed:
                raise SystemExit(f"scrapli: config failed: {r.result}")
            cli.send_input("write memory", requested_mode="privileged_exec")
        else:
            r = cli.send_inputs(lines + ["commit"], requested_mode="configuration")
            if r.failed:
                raise SystemExit(f"scrapli: config failed: {r.result}")

    def close(self, cli):
        cli.close()


def main():
    tool, vendor, host, port, user, password, scenario, ports, reps = sys.argv[1:10]
    ports, reps = int(ports), int(reps)
    client = (Netmiko if tool == "netmiko" else Scrapli)(vendor, host, int(port), user, password)
    state = "A"
    runs = []
    conn = None
    if scenario in ("b", "c"):
        conn = client.connect()
    for _ in range(reps):
        to = "B" if state == "A" else "A"
        if scenario == "a":
            t = time.perf_counter()
            c = client.connect()
            runs.append(time.perf_counter() - t)
            client.close(c)
            continue
        t = time.perf_counter()
        if scenario == "b":
            client.configure(conn, port_lines(vendor, 0, state, to))
        elif scenario == "c":
            lines = [l for k in range(ports) for l in port_lines(vendor, k, state, to)]
            client.configure(conn, lines)
        else:
            for k in range(ports):
                c = client.connect()
                client.configure(c, port_lines(vendor, k, state, to))
                client.close(c)
        runs.append(time.perf_counter() - t)
        state = to
    if conn is not None:
        client.close(conn)
    print(json.dumps({"seconds": statistics.median(runs), "runs": runs, "final_state": state}))


if __name__ == "__main__":
    main()
