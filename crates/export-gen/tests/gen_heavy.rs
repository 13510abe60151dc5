//! The heavy-member option gives m-1 that many posts and messages.

mod gen_common;

use export_format::Entity;
use export_gen::HeavyMember;
use gen_common::*;

#[test]
fn heavy_member_has_that_many_posts_and_messages() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(100, 1);
    o.heavy_member = Some(HeavyMember {
        posts: 20_000,
        messages: 3_000,
    });
    gen(&o, &dir.path().join("x"));
    let x = load(&dir.path().join("x"));
    let posts = x
        .rows(Entity::Posts)
        .iter()
        .filter(|r| r.member.as_deref() == Some("m-1"))
        .count();
    let pms = x
        .rows(Entity::PrivateMessages)
        .iter()
        .filter(|r| r.member.as_deref() == Some("m-1"))
        .count();
    assert_eq!(posts, 20_000);
    assert_eq!(pms, 3_000);
    assert_eq!(x.manifest["generator"]["heavy_member"]["posts"], 20_000);
    let mut v = Vault::default();
    v.apply(&x);
}
