// SPDX-License-Identifier: GPL-2.0
/*
 * Packet handling for End.FWP and End.BFW: validate the SRH as the kernel's
 * End does, find the VIP, and rewrite the packet (deliver to the VIP, or go
 * on to the next segment).
 *
 * Offsets are relative to skb->data, which is the IPv6 header on the
 * lwtunnel input path.
 */

#include <linux/ipv6.h>
#include <net/ip_tunnels.h>
#include <net/ipv6.h>
#include <net/seg6.h>
#include <net/seg6_hmac.h>

#include "seg6_mig.h"

/* The kernel's seg6_validate_srh() (not exported), with reduced = true. */
static bool seg6_mig_validate_srh(const struct ipv6_sr_hdr *srh, int len)
{
	unsigned int tlv_offset;
	int max_last_entry;
	int trailing;

	if (len < sizeof(*srh))
		return false;
	if (srh->type != IPV6_SRCRT_TYPE_4)
		return false;
	if (((srh->hdrlen + 1) << 3) != len)
		return false;

	max_last_entry = (srh->hdrlen / 2) - 1;
	if (srh->first_segment > max_last_entry)
		return false;
	if (srh->segments_left > srh->first_segment + 1)
		return false;

	tlv_offset = sizeof(*srh) + ((srh->first_segment + 1) << 4);
	trailing = len - tlv_offset;
	if (trailing < 0)
		return false;

	while (trailing) {
		const struct sr6_tlv *tlv;
		unsigned int tlv_len;

		if (trailing < sizeof(*tlv))
			return false;
		tlv = (const struct sr6_tlv *)((const u8 *)srh + tlv_offset);
		tlv_len = sizeof(*tlv) + tlv->len;
		trailing -= tlv_len;
		if (trailing < 0)
			return false;
		tlv_offset += tlv_len;
	}

	return true;
}

static int seg6_mig_parse_inner(struct sk_buff *skb, struct seg6_mig_pkt *pkt)
{
	const struct ipv6hdr *inner;

	if (!pskb_may_pull(skb, pkt->inner + sizeof(*inner)))
		return -EINVAL;
	inner = (const struct ipv6hdr *)(skb->data + pkt->inner);
	if (inner->version != 6)
		return -EINVAL;
	pkt->vip = inner->daddr;
	pkt->saddr = inner->saddr;
	return 0;
}

/*
 * Fill @pkt from @skb's headers. The VIP is the inner destination when the
 * SRH (or, without SRH, the IPv6 header) is followed by IPv6 (encap mode),
 * otherwise Segment List[0] (inline mode). Fragments are refused: neither
 * the SRH nor the payload can be trusted to be whole.
 */
int seg6_mig_parse(struct sk_buff *skb, struct seg6_mig_pkt *pkt)
{
	struct ipv6_sr_hdr *srh;
	unsigned int off = 0;
	int flags = 0;
	int len;

	memset(pkt, 0, sizeof(*pkt));

	if (ipv6_find_hdr(skb, &off, IPPROTO_ROUTING, NULL, &flags) < 0) {
		/* Reduced encapsulation: IPv6 in IPv6, no SRH, SL = 0. */
		if (flags & IP6_FH_F_FRAG)
			return -EINVAL;
		off = 0;
		if (ipv6_find_hdr(skb, &off, IPPROTO_IPV6, NULL, &flags) < 0 ||
		    (flags & IP6_FH_F_FRAG))
			return -EINVAL;
		pkt->inner = off;
		return seg6_mig_parse_inner(skb, pkt);
	}
	if (flags & IP6_FH_F_FRAG)
		return -EINVAL;

	if (!pskb_may_pull(skb, off + sizeof(*srh)))
		return -EINVAL;
	srh = (struct ipv6_sr_hdr *)(skb->data + off);
	len = (srh->hdrlen + 1) << 3;
	if (!pskb_may_pull(skb, off + len))
		return -EINVAL;
	srh = (struct ipv6_sr_hdr *)(skb->data + off);
	if (!seg6_mig_validate_srh(srh, len))
		return -EINVAL;

#ifdef CONFIG_IPV6_SEG6_HMAC
	/* As End: the HMAC TLV is checked per the ingress interface's
	 * seg6_require_hmac; seg6_hmac_validate_skb() reads the SRH at the
	 * transport header.
	 */
	skb_set_transport_header(skb, off);
	if (!seg6_hmac_validate_skb(skb))
		return -EINVAL;
#endif

	pkt->srhoff = off;
	pkt->srhlen = len;
	pkt->segments_left = srh->segments_left;

	if (srh->nexthdr == IPPROTO_IPV6) {
		pkt->inner = off + len;
		return seg6_mig_parse_inner(skb, pkt);
	}

	/* Inline: the VIP is still ahead (SL > 0), and the SRH must follow
	 * the IPv6 header directly, where seg6 inline mode puts it, so that
	 * removing it restores the client's packet.
	 */
	if (!srh->segments_left || off != sizeof(struct ipv6hdr))
		return -EINVAL;
	pkt->vip = srh->segments[0];
	pkt->saddr = ipv6_hdr(skb)->saddr;
	return 0;
}

/* Is there a segment before the VIP to pass an absent VIP's packet to? */
bool seg6_mig_has_next(const struct seg6_mig_pkt *pkt)
{
	return pkt->inner ? pkt->segments_left >= 1 : pkt->segments_left >= 2;
}

static void seg6_mig_reset_cb(struct sk_buff *skb)
{
	bool l3slave = ipv6_l3mdev_skb(IP6CB(skb)->flags);
	int iif = IP6CB(skb)->iif;

	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
	IP6CB(skb)->iif = iif;
	IP6CB(skb)->nhoff = offsetof(struct ipv6hdr, nexthdr);
	if (l3slave)
		IP6CB(skb)->flags |= IP6SKB_L3SLAVE;
}

/*
 * Turn @skb into the packet the client sent to the VIP. Encap: strip the
 * outer IPv6 header and SRH. Inline: remove the SRH, DA = VIP. The L4
 * header does not move, so a CHECKSUM_PARTIAL csum_start stays right; a
 * CHECKSUM_COMPLETE csum is adjusted for every byte removed or rewritten.
 */
int seg6_mig_decap(struct sk_buff *skb, const struct seg6_mig_pkt *pkt)
{
	struct ipv6hdr *hdr;
	u8 nexthdr;

	if (pkt->inner) {
		if (!pskb_pull(skb, pkt->inner))
			return -EINVAL;
		skb_postpull_rcsum(skb, skb_network_header(skb), pkt->inner);
		skb_reset_network_header(skb);
		if (iptunnel_pull_offloads(skb))
			return -EINVAL;
	} else {
		unsigned int hlen = sizeof(*hdr);

		if (skb_ensure_writable(skb, hlen + pkt->srhlen))
			return -ENOMEM;
		nexthdr = ((struct ipv6_sr_hdr *)(skb->data + hlen))->nexthdr;
		skb_postpull_rcsum(skb, skb->data, hlen + pkt->srhlen);
		memmove(skb->data + pkt->srhlen, skb->data, hlen);
		__skb_pull(skb, pkt->srhlen);
		skb_reset_network_header(skb);
		hdr = ipv6_hdr(skb);
		hdr->nexthdr = nexthdr;
		hdr->daddr = pkt->vip;
		be16_add_cpu(&hdr->payload_len, -(int)pkt->srhlen);
		skb_postpush_rcsum(skb, hdr, hlen);
	}

	skb_set_transport_header(skb, sizeof(struct ipv6hdr));
	seg6_mig_reset_cb(skb);
	nf_reset_ct(skb);
	return 0;
}

/* As End: SL -= 1 and DA = the new active segment. */
int seg6_mig_advance(struct sk_buff *skb, const struct seg6_mig_pkt *pkt)
{
	unsigned int hlen = pkt->srhoff + pkt->srhlen;
	struct ipv6_sr_hdr *srh;
	struct ipv6hdr *hdr;

	if (skb_ensure_writable(skb, hlen))
		return -ENOMEM;
	skb_postpull_rcsum(skb, skb->data, hlen);
	hdr = ipv6_hdr(skb);
	srh = (struct ipv6_sr_hdr *)(skb->data + pkt->srhoff);
	srh->segments_left--;
	hdr->daddr = srh->segments[srh->segments_left];
	skb_postpush_rcsum(skb, skb->data, hlen);
	return 0;
}
