// SPDX-License-Identifier: GPL-3.0-or-later
/* nmidbg list: local serial ports, with USB identity (libserialport). */
#include <libserialport.h>
#include <stdio.h>

#include "cmd.h"

int cmd_list(int argc, char **argv)
{
	struct sp_port **ports;
	int n = 0;

	if (argc != 1)
		return cmd_usage_error("list", "'%s': list takes no arguments", argv[1]);
	if (sp_list_ports(&ports) != SP_OK) {
		fprintf(stderr, "nmidbg: cannot list ports: %s\n", sp_last_error_message());
		return NMIDBG_EXIT_FAIL;
	}
	for (; ports[n]; n++) {
		struct sp_port *p = ports[n];
		const char *desc = sp_get_port_description(p);
		int vid, pid;

		printf("%s", sp_get_port_name(p));
		if (sp_get_port_transport(p) == SP_TRANSPORT_USB &&
		    sp_get_port_usb_vid_pid(p, &vid, &pid) == SP_OK) {
			const char *serial = sp_get_port_usb_serial(p);

			printf("  usb %04x:%04x", vid, pid);
			if (serial)
				printf(" serial %s", serial);
		}
		printf("%s%s\n", desc ? "  " : "", desc ? desc : "");
	}
	if (!n)
		fprintf(stderr, "nmidbg: no serial ports found\n");
	sp_free_port_list(ports);
	return NMIDBG_EXIT_OK;
}
