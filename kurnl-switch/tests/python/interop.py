"""Log in to a kurnl switch simulator with a stock Python client and configure one port.

usage: interop.py netmiko|scrapli ios|junos HOST PORT USER PASSWORD INTERFACE VLAN DESCRIPTION

Exit status 0 when the client reported success. The Rust test then checks the simulator state.
"""

import sys


def lines_for(vendor, iface, vlan, desc):
    if vendor == "ios":
        return [
            f"interface {iface}",
            f"description {desc}",
            "switchport mode access",
            f"switchport access vlan {vlan}",
            "no shutdown",
        ]
    esw = f"interfaces {iface} unit 0 family ethernet-switching"
    return [
        f"set vlans v{vlan} vlan-id {vlan}",
        f"set interfaces {iface} description {desc}",
        f"delete {esw} vlan members",
        f"set {esw} vlan members v{vlan}",
    ]


def run_netmiko(vendor, host, port, user, password, lines):
    from netmiko import ConnectHandler

    conn = ConnectHandler(
        device_type="cisco_ios" if vendor == "ios" else "juniper_junos",
        host=host,
        port=port,
        username=user,
        password=password,
    )
    if vendor == "ios":
        conn.send_config_set(lines)
        conn.save_config()
    else:
        conn.send_config_set(lines, exit_config_mode=False)
        conn.commit()
        conn.exit_config_mode()
    conn.disconnect()


def run_scrapli(vendor, host, port, user, password, lines):
    from scrapli import AuthOptions, Cli

    cli = Cli(
        host,
        port=port,
        definition_file_or_name="cisco_iosxe" if vendor == "ios" else "juniper_junos",
        auth_options=AuthOptions(username=user, password=password),
    )
    cli.open()
    if vendor == "ios":
        result = cli.send_inputs(lines, requested_mode="configuration")
        if result.failed:
            raise SystemExit(f"scrapli reported failure: {result.result}")
        cli.send_input("write memory", requested_mode="privileged_exec")
    else:
        result = cli.send_inputs(lines + ["commit"], requested_mode="configuration")
        if result.failed:
            raise SystemExit(f"scrapli reported failure: {result.result}")
    cli.close()


def main():
    tool, vendor, host, port, user, password, iface, vlan, desc = sys.argv[1:10]
    lines = lines_for(vendor, iface, vlan, desc)
    if tool == "netmiko":
        run_netmiko(vendor, host, int(port), user, password, lines)
    else:
        run_scrapli(vendor, host, int(port), user, password, lines)
    print("ok")


if __name__ == "__main__":
    main()
