package trading

import (
	"fmt"

	"ggzy/lottery"
)

// committedDraw is what trading's two public draws (固定价比选 and the
// invitees of an invited procurement) record and re-check the same way: a
// pool document hashed before the draw, holding the count and the
// commitment to the server's secret; then the witnesses' numbers, the
// revealed secret, the RFC 3797 key and the order drawn.
type committedDraw struct {
	Noun, Unit, Picked string // 入围名单 / 人 / 抽取, 候选名单 / 家 / 邀请
	PoolDoc, PoolHash  string
	PoolSize, Count    int
	Commitment         string
	Drawn              bool
	Secret             string
	Sources            []string // the key's sources, the secret last
	Key                string
	Result             []int
}

// poolFacts is what the pool document itself says.
type poolFacts struct {
	Members, Count int
	Commitment     string
}

// check adds the checks every such draw shares to add and returns the
// order recomputed, or nil when a check before it could not be made (the
// document unreadable, not drawn yet, no key).
func (d committedDraw) check(add func(name string, ok bool, detail string), parse func(doc string) (poolFacts, error)) []int {
	h := SHA256Hex([]byte(d.PoolDoc))
	add(d.Noun+"SHA-256", h == d.PoolHash, fmt.Sprintf("重算 %s，记录 %s", h, d.PoolHash))
	doc, err := parse(d.PoolDoc)
	if err != nil {
		add(d.Noun+"文本", false, err.Error())
		return nil
	}
	add(d.Noun+"人数", doc.Members == d.PoolSize && doc.Count == d.Count,
		fmt.Sprintf("名单%d%s、%s%d%s；记录%d%s、%d%s", doc.Members, d.Unit, d.Picked, doc.Count, d.Unit, d.PoolSize, d.Unit, d.Count, d.Unit))
	add("承诺值与名单一致", doc.Commitment == d.Commitment, fmt.Sprintf("名单内 %s，记录 %s", doc.Commitment, d.Commitment))
	if !d.Drawn {
		add("抽取状态", false, "尚未抽取")
		return nil
	}
	c := SHA256Hex([]byte(d.Secret))
	add("服务器密钥与承诺值", c == d.Commitment, fmt.Sprintf("SHA-256(%s) = %s", d.Secret, c))
	key, err := lottery.KeyFromStrings(d.Sources)
	if err != nil {
		add("随机数密钥", false, err.Error())
		return nil
	}
	add("随机数密钥", key == d.Key, fmt.Sprintf("重算 %q，记录 %q", key, d.Key))
	order, err := lottery.Select(key, doc.Members, doc.Count)
	if err != nil {
		add("RFC 3797 抽取", false, err.Error())
		return nil
	}
	add("RFC 3797 抽取顺序", fmt.Sprint(order) == fmt.Sprint(d.Result), fmt.Sprintf("重算 %v，记录 %v", order, d.Result))
	return order
}
